INSERT INTO messages (body) VALUES ('hello from the migration job');
