-- Authors of the blog_posts recipe, looked up by id (the `author` field of a post) in
-- steps/v2_to_v3.lua. `joined` is the year the author joined. The generator
-- (scripts/generate-blog-posts.py) also writes posts by "zed", deliberately missing here:
-- those posts migrate without an author_name.
CREATE TABLE authors (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  country TEXT,
  joined INTEGER
);

INSERT INTO authors (id, display_name, country, joined) VALUES ('alice', 'Alice Martin', 'US', 2018);
INSERT INTO authors (id, display_name, country, joined) VALUES ('bob', 'Bob O''Neill', 'IE', 2019);
INSERT INTO authors (id, display_name, country, joined) VALUES ('carol', 'Carol Nguyen', 'CA', 2020);
INSERT INTO authors (id, display_name, country, joined) VALUES ('dave', 'Dave Kowalski', 'PL', 2017);
INSERT INTO authors (id, display_name, country, joined) VALUES ('erin', 'Erin Walsh', 'GB', 2021);
INSERT INTO authors (id, display_name, country, joined) VALUES ('frank', 'Frank Müller', 'DE', 2016);
INSERT INTO authors (id, display_name, country, joined) VALUES ('grace', 'Grace Hopper-Lee', 'US', 2015);
INSERT INTO authors (id, display_name, country, joined) VALUES ('heidi', 'Heidi Schäfer', 'AT', 2022);
INSERT INTO authors (id, display_name, country, joined) VALUES ('ivan', 'Ivan Petrov', 'BG', 2019);
INSERT INTO authors (id, display_name, country, joined) VALUES ('judy', 'Judy Chen', 'SG', 2020);
INSERT INTO authors (id, display_name, country, joined) VALUES ('jose', 'José Álvarez', 'ES', 2018);
INSERT INTO authors (id, display_name, country, joined) VALUES ('zoe', 'Zoë Lefèvre', 'FR', 2023);
INSERT INTO authors (id, display_name, country, joined) VALUES ('yuki', '山田 由紀', 'JP', 2021);
INSERT INTO authors (id, display_name, country, joined) VALUES ('minjun', '김민준', 'KR', 2024);
INSERT INTO authors (id, display_name, country, joined) VALUES ('mallory', 'Mallory Quinn', 'US', 2022);
INSERT INTO authors (id, display_name, country, joined) VALUES ('olivia', 'Olivia Rossi', 'IT', 2017);
INSERT INTO authors (id, display_name, country, joined) VALUES ('peggy', 'Peggy Sue', NULL, NULL);
INSERT INTO authors (id, display_name, country, joined) VALUES ('rupert', 'Rupert Graves', 'GB', 2020);
INSERT INTO authors (id, display_name, country, joined) VALUES ('sybil', 'Sybil Trelawney', 'GB', 2019);
INSERT INTO authors (id, display_name, country, joined) VALUES ('victor', 'Victor Hugo', 'FR', 2016);
