-- Schema version 1 as the first release (commit f05b8db) created it on SQLite.
CREATE TABLE "schema_version" ("id" INTEGER NOT NULL PRIMARY KEY, "version" INTEGER NOT NULL, "applied_at" DATETIME NOT NULL);
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(80) NOT NULL, "username_key" VARCHAR(80) NOT NULL, "email" VARCHAR(254) NOT NULL, "email_key" VARCHAR(254) NOT NULL, "password_hash" VARCHAR(255) NOT NULL, "is_verified" INTEGER NOT NULL, "verification_code" VARCHAR(64), "verification_code_expires" DATETIME, "verification_attempts" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_username_key" ON "user" ("username_key");
CREATE UNIQUE INDEX "user_email_key" ON "user" ("email_key");
CREATE TABLE "chat_message" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "text" TEXT NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "chatmessage_user_id" ON "chat_message" ("user_id");
CREATE TABLE "outbox_mail" ("id" INTEGER NOT NULL PRIMARY KEY, "recipient" VARCHAR(254) NOT NULL, "subject" VARCHAR(200) NOT NULL, "body" TEXT NOT NULL, "status" VARCHAR(10) NOT NULL, "attempts" INTEGER NOT NULL, "next_attempt_at" DATETIME NOT NULL, "last_error" TEXT, "created_at" DATETIME NOT NULL, "sent_at" DATETIME);
CREATE INDEX "outboxmail_status" ON "outbox_mail" ("status");
CREATE INDEX "outboxmail_next_attempt_at" ON "outbox_mail" ("next_attempt_at");
CREATE TABLE "session" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "created_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "revoked_at" DATETIME, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "session_user_id" ON "session" ("user_id");
CREATE UNIQUE INDEX "session_token_hash" ON "session" ("token_hash");
CREATE INDEX "session_expires_at" ON "session" ("expires_at");
