import { ArgumentMetadata, Injectable, PipeTransform, ValidationPipe } from '@nestjs/common';
import { MatrixError } from '@chat/protocol';
import type { ValidationError } from 'class-validator';

/** Carries the flattened messages from class-validator to the Matrix error of the right kind. */
class DtoValidationFailure extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

/** Whether a failing property (at any depth) is absent rather than of the wrong type or value. */
function isMissing(errors: ValidationError[]): boolean {
  return errors.some(
    (error) =>
      (error.value === undefined && error.constraints !== undefined) ||
      isMissing(error.children ?? []),
  );
}

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      // class-validator names the bare property; name the full path for nested DTOs.
      text.startsWith(`${error.property} `) ? `${path}${text.slice(error.property.length)}` : text,
    );
    return [...own, ...describe(error.children ?? [], path)];
  });
}

function pipe(enableImplicitConversion: boolean): ValidationPipe {
  return new ValidationPipe({
    // Clients send extra keys the spec allows; strip them rather than refuse.
    whitelist: true,
    forbidNonWhitelisted: false,
    transform: true,
    transformOptions: { enableImplicitConversion },
    exceptionFactory: (errors) =>
      new DtoValidationFailure(describe(errors).join('; '), isMissing(errors)),
  });
}

/**
 * class-validator DTO validation with Matrix errors: a required field or parameter that is absent
 * is 400 M_MISSING_PARAM, a bad body 400 M_BAD_JSON, a bad query string 400 M_INVALID_PARAM (as in
 * Synapse and the spec's definitions of these codes). Query values are strings on the wire, so only they are converted
 * to the DTO's declared types; JSON bodies must already have the right types.
 */
@Injectable()
export class MatrixValidationPipe implements PipeTransform {
  private readonly bodyPipe = pipe(false);
  private readonly queryPipe = pipe(true);

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isQuery = metadata.type === 'query';
    try {
      return await (isQuery ? this.queryPipe : this.bodyPipe).transform(value, metadata);
    } catch (error) {
      if (error instanceof DtoValidationFailure) {
        if (error.missing) throw MatrixError.missingParam(error.message);
        throw isQuery
          ? MatrixError.invalidParam(error.message)
          : MatrixError.badJson(error.message);
      }
      throw error;
    }
  }
}
