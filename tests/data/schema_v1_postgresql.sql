-- Schema version 1 as the first release (commit f05b8db) created it on PostgreSQL (pg_dump --schema-only).
CREATE TABLE public.chat_message (
    id integer NOT NULL,
    user_id integer NOT NULL,
    text text NOT NULL,
    created_at timestamp without time zone NOT NULL
);
CREATE SEQUENCE public.chat_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.chat_message_id_seq OWNED BY public.chat_message.id;
CREATE TABLE public.outbox_mail (
    id integer NOT NULL,
    recipient character varying(254) NOT NULL,
    subject character varying(200) NOT NULL,
    body text NOT NULL,
    status character varying(10) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp without time zone NOT NULL,
    last_error text,
    created_at timestamp without time zone NOT NULL,
    sent_at timestamp without time zone
);
CREATE SEQUENCE public.outbox_mail_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.outbox_mail_id_seq OWNED BY public.outbox_mail.id;
CREATE TABLE public.schema_version (
    id integer NOT NULL,
    version integer NOT NULL,
    applied_at timestamp without time zone NOT NULL
);
CREATE SEQUENCE public.schema_version_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.schema_version_id_seq OWNED BY public.schema_version.id;
CREATE TABLE public.session (
    id integer NOT NULL,
    user_id integer NOT NULL,
    token_hash character varying(64) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    revoked_at timestamp without time zone
);
CREATE SEQUENCE public.session_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.session_id_seq OWNED BY public.session.id;
CREATE TABLE public."user" (
    id integer NOT NULL,
    username character varying(80) NOT NULL,
    username_key character varying(80) NOT NULL,
    email character varying(254) NOT NULL,
    email_key character varying(254) NOT NULL,
    password_hash character varying(255) NOT NULL,
    is_verified boolean NOT NULL,
    verification_code character varying(64),
    verification_code_expires timestamp without time zone,
    verification_attempts integer NOT NULL,
    created_at timestamp without time zone NOT NULL
);
CREATE SEQUENCE public.user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.user_id_seq OWNED BY public."user".id;
ALTER TABLE ONLY public.chat_message ALTER COLUMN id SET DEFAULT nextval('public.chat_message_id_seq'::regclass);
ALTER TABLE ONLY public.outbox_mail ALTER COLUMN id SET DEFAULT nextval('public.outbox_mail_id_seq'::regclass);
ALTER TABLE ONLY public.schema_version ALTER COLUMN id SET DEFAULT nextval('public.schema_version_id_seq'::regclass);
ALTER TABLE ONLY public.session ALTER COLUMN id SET DEFAULT nextval('public.session_id_seq'::regclass);
ALTER TABLE ONLY public."user" ALTER COLUMN id SET DEFAULT nextval('public.user_id_seq'::regclass);
ALTER TABLE ONLY public.chat_message
    ADD CONSTRAINT chat_message_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.outbox_mail
    ADD CONSTRAINT outbox_mail_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.session
    ADD CONSTRAINT session_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public."user"
    ADD CONSTRAINT user_pkey PRIMARY KEY (id);
CREATE INDEX chatmessage_user_id ON public.chat_message USING btree (user_id);
CREATE INDEX outboxmail_next_attempt_at ON public.outbox_mail USING btree (next_attempt_at);
CREATE INDEX outboxmail_status ON public.outbox_mail USING btree (status);
CREATE INDEX session_expires_at ON public.session USING btree (expires_at);
CREATE UNIQUE INDEX session_token_hash ON public.session USING btree (token_hash);
CREATE INDEX session_user_id ON public.session USING btree (user_id);
CREATE UNIQUE INDEX user_email_key ON public."user" USING btree (email_key);
CREATE UNIQUE INDEX user_username_key ON public."user" USING btree (username_key);
ALTER TABLE ONLY public.chat_message
    ADD CONSTRAINT chat_message_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.session
    ADD CONSTRAINT session_user_id_fkey FOREIGN KEY (user_id) REFERENCES public."user"(id) ON DELETE CASCADE;
