import { join } from 'node:path';

import { stringify } from 'yaml';

import {
  DEFAULT_BIND_ADDRESSES,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  DEFAULT_MEDIA_STORE,
  DEFAULT_PASSWORD_HASHING_COST,
  DEFAULT_PORT,
  DEFAULT_RESOURCES,
  RATE_LIMIT_DEFAULTS,
} from './config.defaults';

export interface DefaultConfigOptions {
  serverName: string;
  /** Where generated data lives; the media store goes here. */
  dataDir: string;
  signingKeyPath: string;
  /** The SQLite file. */
  databasePath: string;
  registrationSharedSecret?: string;
  port?: number;
  /** Default DEFAULT_BIND_ADDRESSES; a local demo binds loopback only. */
  bindAddresses?: string[];
  /** Default `https://<server_name>/`. */
  publicBaseurl?: string;
  /** Open registration (with enable_registration_without_verification), for local demos. */
  openRegistration?: boolean;
}

/** A YAML value on one line (strings JSON-quoted, which YAML reads back unchanged). */
const v = (value: unknown): string => JSON.stringify(value);

/** Comments out a YAML block so it documents without taking effect. */
const commented = (yaml: string): string =>
  yaml
    .trimEnd()
    .split('\n')
    .map((line) => `#${line}`)
    .join('\n');

/**
 * A commented homeserver.yaml for a new monolith that `loadConfig` accepts as is. Defaults the
 * loader would apply anyway are written out, so operators see what they are running.
 */
export function renderDefaultConfig(options: DefaultConfigOptions): string {
  const { serverName, dataDir, signingKeyPath, databasePath, registrationSharedSecret } = options;
  const port = options.port ?? DEFAULT_PORT;
  const bindAddresses = options.bindAddresses ?? DEFAULT_BIND_ADDRESSES;
  const open = options.openRegistration ?? false;
  const secret =
    registrationSharedSecret === undefined
      ? '#registration_shared_secret: "<a long random string>"'
      : `registration_shared_secret: ${v(registrationSharedSecret)}`;

  return `# Chat server configuration (homeserver.yaml).
# Keys are Synapse's (and the seed's); unknown keys are ignored with a warning.
# Relative paths resolve against the directory of the file that sets them.

# The domain in user ids (@alice:${serverName}). It cannot change once users exist.
server_name: ${v(serverName)}

# The URL clients and other servers use to reach this server (normally your reverse proxy).
public_baseurl: ${v(options.publicBaseurl ?? `https://${serverName}/`)}

# Where to listen. Plain HTTP only: terminate TLS in a reverse proxy and set x_forwarded: true.
# Resource names: client, federation, keys, media, health, metrics, replication.
listeners:
  - port: ${port}
    bind_addresses: ${v(bindAddresses)}
    type: http
    x_forwarded: false
    resources:
      - names: ${v(DEFAULT_RESOURCES)}
        compress: false

# The database. SQLite is for a single process; use PostgreSQL for real deployments and
# always for workers, e.g.:
#database:
#  name: psycopg2
#  args: { host: localhost, port: 5432, user: chat, password: secret, database: chat, cp_min: 5, cp_max: 10 }
database:
  name: sqlite3
  args:
    database: ${v(databasePath)}

# This server's signing key. Keep it secret and back it up: federation trusts it.
signing_key_path: ${v(signingKeyPath)}

# Uploaded files and cached remote media.
media_store_path: ${v(join(dataDir, DEFAULT_MEDIA_STORE))}

# Logging: level trace|debug|info|warn|error|fatal|silent, format json|text, optional path
# (default: standard output).
log:
  level: info
  format: json

# Registration. Open registration without verification invites spam, so it needs
# enable_registration_without_verification or registration_requires_token as well.
enable_registration: ${open}
enable_registration_without_verification: ${open}
registration_requires_token: false
allow_guest_access: false
# Lets admin tools register users by proving knowledge of this secret. Keep it secret.
${secret}

# Password logins and the minimum length of new passwords.
password_config:
  enabled: true
  policy:
    minimum_length: 0
# Argon2 time cost for password hashes (>= 1): higher is slower for attackers and for you.
password_hashing_cost: ${DEFAULT_PASSWORD_HASHING_COST}

# Largest JSON request body accepted, in bytes.
max_request_body_size: ${DEFAULT_MAX_REQUEST_BODY_SIZE}

# Rate limits: each bucket refills per_second tokens up to burst_count. Synapse's defaults
# are shown; uncomment to change (a partial bucket keeps the other default).
# rc_admin_redaction defaults to the rc_message values.
${commented(stringify(RATE_LIMIT_DEFAULTS))}

# Redis carries replication between processes; required for workers.
redis:
  enabled: false
  host: localhost
  port: 6379

# Workers (PostgreSQL and Redis required). In this shared file, add main's replication
# listener (private address only) and where each instance can be reached:
#listeners:
#  - port: 9093
#    bind_address: "127.0.0.1"
#    type: http
#    resources:
#      - names: [replication]
#worker_replication_secret: "<a long random string>"
#instance_map:
#  main: { host: localhost, port: 9093 }
#  event_persister1: { host: localhost, port: 8034 }
#stream_writers:
#  events: [event_persister1]
#run_background_tasks_on: main
#start_pushers: true
#pusher_instances: []
#notify_appservices: true
#send_federation: true
#federation_sender_instances: []
#enable_media_repo: true
#media_instance_running_background_jobs: media-repository-1
#update_user_directory: true
#use_presence: true
#
# Each worker then gets its own file, passed after this one (-c homeserver.yaml -c worker1.yaml):
#worker_app: chat.app.generic_worker
#worker_name: worker1
#worker_replication_host: 127.0.0.1
#worker_replication_http_port: 9093
#worker_listeners:
#  - type: http
#    port: 8083
#    resources:
#      - names: [client, federation]
#worker_log_config: /etc/chat/worker1_log_config.yaml
`;
}
