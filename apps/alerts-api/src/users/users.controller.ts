import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CurrentPrincipal, Roles } from '../auth/decorators';
import { ZodBody } from '../common/openapi';
import { ZodPipe } from '../common/zod-pipe';
import type { Principal } from '../shared/principal';
import { userCreateSchema, UsersService, userUpdateSchema } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list() {
    return { items: await this.users.list() };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.users.get(id);
  }

  @Post()
  @ZodBody(userCreateSchema)
  create(@Body(new ZodPipe(userCreateSchema)) body: z.output<typeof userCreateSchema>) {
    return this.users.create(body);
  }

  @Patch(':id')
  @ZodBody(userUpdateSchema)
  update(@CurrentPrincipal() caller: Principal, @Param('id') id: string, @Body(new ZodPipe(userUpdateSchema)) body: z.output<typeof userUpdateSchema>) {
    return this.users.update(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.users.delete(caller, id);
  }
}
