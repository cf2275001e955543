#!/usr/bin/env node
// Registers a user through shared-secret registration (/_chat/admin/v1/register), as Synapse's
// register_new_matrix_user does. The secret comes from -k, or from registration_shared_secret in
// the config file given with -c.
//
//   npm run register-user -- -c data/homeserver.yaml -u alice -p secret --admin [http://localhost:8008]
const { createHmac } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { parseArgs } = require('node:util');
const readline = require('node:readline/promises');

const USAGE = `Usage: register-user [-c homeserver.yaml | -k shared_secret] [-u user] [-p password]
                     [-a|--admin | --no-admin] [-t user_type] [server_url (default http://localhost:8008)]`;

async function ask(question, hidden = false) {
  if (!process.stdin.isTTY)
    throw new Error(`${question.replace(/: $/, '')} is required (no terminal to ask on)`);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
  });
  if (hidden) rl._writeToOutput = (s) => rl.output.write(s.includes(question) ? s : '');
  const answer = await rl.question(question);
  rl.close();
  if (hidden) process.stdout.write('\n');
  return answer;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'shared-secret': { type: 'string', short: 'k' },
      user: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      admin: { type: 'boolean', short: 'a' },
      'no-admin': { type: 'boolean' },
      'user-type': { type: 'string', short: 't' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  let secret = values['shared-secret'];
  if (!secret && values.config) {
    const { parse } = require('yaml');
    secret = (parse(readFileSync(values.config, 'utf8')) ?? {}).registration_shared_secret;
  }
  if (!secret)
    throw new Error(
      `No shared secret: pass -k, or -c with registration_shared_secret set.\n${USAGE}`,
    );
  const base = (positionals[0] ?? 'http://localhost:8008').replace(/\/+$/, '');
  const username = values.user ?? (await ask('New user localpart: '));
  const password = values.password ?? (await ask('Password: ', true));
  let admin = values.admin ? true : values['no-admin'] ? false : undefined;
  if (admin === undefined) admin = /^y/i.test(await ask('Make admin [no]: '));

  const url = `${base}/_chat/admin/v1/register`;
  const nonceResponse = await fetch(url);
  const nonceBody = await nonceResponse.json();
  if (!nonceResponse.ok) throw new Error(`${nonceBody.errcode}: ${nonceBody.error}`);
  const parts = [nonceBody.nonce, username, password, admin ? 'admin' : 'notadmin'];
  if (values['user-type']) parts.push(values['user-type']);
  const mac = createHmac('sha1', secret).update(parts.join('\0'), 'utf8').digest('hex');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      nonce: nonceBody.nonce,
      username,
      password,
      admin,
      mac,
      user_type: values['user-type'],
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.errcode}: ${body.error}`);
  console.log(`Registered ${body.user_id}${admin ? ' (admin)' : ''}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
