import Type from 'typebox';

/** The `token` query parameter of the routes a media element loads (apps/api/media-token.ts). */
export const MediaTokenParam = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'A media token from POST /media-tokens, for elements that cannot send `Authorization` (<video>, <img>); not needed with a bearer key',
  }),
);

export const MediaQuery = Type.Object({ token: MediaTokenParam }, { additionalProperties: false });
