CREATE TABLE greetings (
  id bigserial PRIMARY KEY,
  text text NOT NULL UNIQUE
);
