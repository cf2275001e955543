import { Body, Controller, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsOptional, IsString } from 'class-validator';

import { DeviceService, type UiAuthRequest } from '@chat/handlers';
import { CurrentRequester, type Requester } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

import { UiAuthRequestParam } from '../ui-auth-request.decorator';

export class UpdateDeviceBody {
  @IsOptional()
  @IsString()
  display_name?: string;
}

export class DeleteDevicesBody {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  devices: string[];
}

@Controller()
export class DevicesController {
  constructor(private readonly devices: DeviceService) {}

  @Get(clientRoutes('legacy', 'devices'))
  list(@CurrentRequester() requester: Requester) {
    return this.devices.list(requester);
  }

  @Get(clientRoutes('legacy', 'devices/:deviceId'))
  get(@CurrentRequester() requester: Requester, @Param('deviceId') deviceId: string) {
    return this.devices.get(requester, deviceId);
  }

  @Put(clientRoutes('legacy', 'devices/:deviceId'))
  update(
    @CurrentRequester() requester: Requester,
    @Param('deviceId') deviceId: string,
    @Body() body: UpdateDeviceBody,
  ) {
    return this.devices.update(requester, deviceId, body.display_name);
  }

  @Delete(clientRoutes('legacy', 'devices/:deviceId'))
  delete(
    @CurrentRequester() requester: Requester,
    @Param('deviceId') deviceId: string,
    @UiAuthRequestParam() request: UiAuthRequest,
  ) {
    return this.devices.delete(requester, deviceId, request);
  }

  @Post(clientRoutes('legacy', 'delete_devices'))
  deleteMany(
    @CurrentRequester() requester: Requester,
    @Body() body: DeleteDevicesBody,
    @UiAuthRequestParam() request: UiAuthRequest,
  ) {
    return this.devices.deleteMany(requester, body.devices, request);
  }
}
