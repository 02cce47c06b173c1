-- A label for each API token (`token create --name`, POST /api/tokens), shown in the token list so an
-- audit can tell whose `token:<id>` made a change. Nullable: tokens made before it have none.
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS name text;
