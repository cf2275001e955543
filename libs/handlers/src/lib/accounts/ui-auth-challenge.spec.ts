import { UiAuthChallenge } from './ui-auth-challenge';

const body = {
  flows: [{ stages: ['m.login.dummy'] }],
  params: {},
  session: 'abc',
  completed: [] as string[],
};

describe('UiAuthChallenge', () => {
  it('is a 401 without errcode when no stage has failed', () => {
    const challenge = new UiAuthChallenge(body);
    expect(challenge.status).toBe(401);
    expect(challenge.toJSON()).toEqual({
      flows: [{ stages: ['m.login.dummy'] }],
      params: {},
      session: 'abc',
    });
  });

  it('lists completed stages and the failure of the last one', () => {
    const challenge = new UiAuthChallenge(
      { ...body, completed: ['m.login.registration_token'] },
      { errcode: 'M_FORBIDDEN', error: 'Invalid password' },
    );
    expect(challenge.toJSON()).toEqual({
      flows: [{ stages: ['m.login.dummy'] }],
      params: {},
      session: 'abc',
      completed: ['m.login.registration_token'],
      errcode: 'M_FORBIDDEN',
      error: 'Invalid password',
    });
  });
});
