import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

type SchemaObject = Record<string, unknown>;

/** The zod schema as an OpenAPI 3.0 schema: the validation rules are the documentation. */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as SchemaObject;
}

export const ZodBody = (schema: z.ZodType) => ApiBody({ schema: openApiSchema(schema) });

/** One @ApiQuery per property of an object schema. */
export function ZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchema(schema) as { properties?: Record<string, SchemaObject>; required?: string[] };
  const decorators = Object.entries(json.properties ?? {}).map(([name, property]) =>
    ApiQuery({ name, required: json.required?.includes(name) ?? false, schema: property, description: property.description as string | undefined }),
  );
  return applyDecorators(...decorators);
}
