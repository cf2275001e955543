import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';

import { PushRulesService } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { IsOptional, IsString } from 'class-validator';

export class PushRulePositionQuery {
  @IsOptional()
  @IsString()
  before?: string;

  @IsOptional()
  @IsString()
  after?: string;
}

/** The spec names one scope, `global`; other scopes are unknown paths. */
const RULE = 'pushrules/global/:kind/:ruleId';

/** Push rules: the merged ruleset, each rule, and its enabled flag and actions. */
@Controller()
export class PushRulesController {
  constructor(private readonly rules: PushRulesService) {}

  @Get(clientRoutes('legacy', 'pushrules'))
  getAll(@CurrentRequester() requester: Requester) {
    return this.rules.getAll(requester);
  }

  @Get(clientRoutes('legacy', 'pushrules/global'))
  async getGlobal(@CurrentRequester() requester: Requester) {
    return (await this.rules.getAll(requester)).global;
  }

  @Get(clientRoutes('legacy', RULE))
  get(@CurrentRequester() requester: Requester, @Param() p: Record<string, string>) {
    return this.rules.getRule(requester, p['kind'], p['ruleId']);
  }

  @Put(clientRoutes('legacy', RULE))
  async put(
    @CurrentRequester() requester: Requester,
    @Param() p: Record<string, string>,
    @Query() position: PushRulePositionQuery,
    @Body() body: Record<string, unknown>,
  ) {
    await this.rules.putRule(requester, p['kind'], p['ruleId'], body, position);
    return {};
  }

  @Delete(clientRoutes('legacy', RULE))
  async delete(@CurrentRequester() requester: Requester, @Param() p: Record<string, string>) {
    await this.rules.deleteRule(requester, p['kind'], p['ruleId']);
    return {};
  }

  @Get(clientRoutes('legacy', `${RULE}/enabled`))
  async getEnabled(@CurrentRequester() requester: Requester, @Param() p: Record<string, string>) {
    const rule = await this.rules.getRule(requester, p['kind'], p['ruleId']);
    return { enabled: rule.enabled };
  }

  @Put(clientRoutes('legacy', `${RULE}/enabled`))
  async putEnabled(
    @CurrentRequester() requester: Requester,
    @Param() p: Record<string, string>,
    @Body() body: Record<string, unknown>,
  ) {
    await this.rules.setAttribute(requester, p['kind'], p['ruleId'], 'enabled', body);
    return {};
  }

  @Get(clientRoutes('legacy', `${RULE}/actions`))
  async getActions(@CurrentRequester() requester: Requester, @Param() p: Record<string, string>) {
    const rule = await this.rules.getRule(requester, p['kind'], p['ruleId']);
    return { actions: rule.actions };
  }

  @Put(clientRoutes('legacy', `${RULE}/actions`))
  async putActions(
    @CurrentRequester() requester: Requester,
    @Param() p: Record<string, string>,
    @Body() body: Record<string, unknown>,
  ) {
    await this.rules.setAttribute(requester, p['kind'], p['ruleId'], 'actions', body);
    return {};
  }
}
