package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Database says where Roster keeps its events and read models.
type Database struct {
	// URL of the PostgreSQL database. Empty selects the embedded default: a
	// private server started from the local PostgreSQL installation.
	URL string `name:"database-url" env:"ROSTER_DATABASE_URL" help:"PostgreSQL URL (postgres://user:pass@host:port/db). Empty: start a private PostgreSQL from the local installation, kept in --data-dir."`
	// DataDir holds the embedded server's files and other local state.
	DataDir string `name:"data-dir" env:"ROSTER_DATA_DIR" default:".roster" help:"Folder for the embedded PostgreSQL and other local state."`
}

// Validate rejects a URL that is not a PostgreSQL URL.
func (d Database) Validate() error {
	if d.URL == "" {
		if d.DataDir == "" {
			return fmt.Errorf("--data-dir must not be empty when no --database-url is given")
		}
		return nil
	}
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return fmt.Errorf("--database-url / ROSTER_DATABASE_URL must look like postgres://user:password@host:5432/database")
	}
	return nil
}

// Embedded reports whether Roster must start its own PostgreSQL.
func (d Database) Embedded() bool { return d.URL == "" }

// HTTP configures the API listener: its address, how long a client may
// take over each part of a request, and how many connections it may hold.
// A client that sends nothing, sends slowly or idles is cut off when its
// time is up, so each connection costs a bounded time; beyond
// MaxConnections only health checks and the operator are served (on
// ReservedConnections more), and beyond those new connections are closed
// at once: the process never runs out of file descriptors.
type HTTP struct {
	Addr              string        `name:"http-addr" env:"ROSTER_HTTP_ADDR" default:"127.0.0.1:8080" help:"Address the HTTP API listens on (host:port)."`
	ReadHeaderTimeout time.Duration `name:"http-read-header-timeout" env:"ROSTER_HTTP_READ_HEADER_TIMEOUT" default:"10s" help:"Time a client has to send a request's headers."`
	ReadTimeout       time.Duration `name:"http-read-timeout" env:"ROSTER_HTTP_READ_TIMEOUT" default:"30s" help:"Time a client has to send a whole request, body included (slow bodies are cut off)."`
	WriteTimeout      time.Duration `name:"http-write-timeout" env:"ROSTER_HTTP_WRITE_TIMEOUT" default:"60s" help:"Time to answer a request (a streamed export gets this much again for each part it sends)."`
	IdleTimeout       time.Duration `name:"http-idle-timeout" env:"ROSTER_HTTP_IDLE_TIMEOUT" default:"60s" help:"Time an idle keep-alive connection stays open."`
	MaxConnections    int           `name:"http-max-connections" env:"ROSTER_HTTP_MAX_CONNECTIONS" default:"4096" help:"Connections served for everyone; keep it well under the process's file descriptor limit (ulimit -n)."`
	ReservedConns     int           `name:"http-reserved-connections" env:"ROSTER_HTTP_RESERVED_CONNECTIONS" default:"64" help:"Connections beyond --http-max-connections on which only /healthz, /readyz, /metrics and the operator are served."`
}

// Validate rejects an address that is not host:port, and timeouts or
// bounds that would leave the server unusable.
func (h HTTP) Validate() error {
	if _, _, err := net.SplitHostPort(h.Addr); err != nil {
		return fmt.Errorf("--http-addr / ROSTER_HTTP_ADDR %q is not host:port: %v", h.Addr, err)
	}
	for name, d := range map[string]time.Duration{"--http-read-header-timeout": h.ReadHeaderTimeout,
		"--http-read-timeout": h.ReadTimeout, "--http-write-timeout": h.WriteTimeout, "--http-idle-timeout": h.IdleTimeout} {
		if d <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 30s", name)
		}
	}
	if h.MaxConnections < 1 || h.ReservedConns < 1 {
		return fmt.Errorf("--http-max-connections and --http-reserved-connections must be at least 1")
	}
	return nil
}

// Log configures the structured log on standard error.
type Log struct {
	Level  string `name:"log-level" env:"ROSTER_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least severe log level shown (${enum})."`
	Format string `name:"log-format" env:"ROSTER_LOG_FORMAT" default:"text" enum:"text,json" help:"Log line format (${enum})."`
}

// Validate is satisfied by kong's enum check; it exists for callers that
// build a Log by hand.
func (l Log) Validate() error {
	if l.Format != "text" && l.Format != "json" {
		return fmt.Errorf("log format %q: want text or json", l.Format)
	}
	var level slog.Level
	return level.UnmarshalText([]byte(strings.ToUpper(l.Level)))
}

// Logger builds the logger l describes, writing to standard error.
func (l Log) Logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(l.Level))) // validated
	opts := &slog.HandlerOptions{Level: level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// Secrets holds the master key that protects personal data.
type Secrets struct {
	// MasterKey (base64 of 32 random bytes) wraps every user's data key and
	// keys the e-mail blind index. Empty with the embedded database: one is
	// generated into the data folder on first start. Losing it makes all
	// personal data unreadable; changing it is refused at start-up.
	MasterKey string `name:"master-key" env:"ROSTER_MASTER_KEY" help:"Base64 of 32 random bytes protecting personal data (generate one with 'openssl rand -base64 32'). Empty with the embedded database: generated into --data-dir on first start."`
}

// Operator holds the operator token: the credential that may create tenants
// and call everything on every tenant.
type Operator struct {
	Token string `name:"operator-token" env:"ROSTER_OPERATOR_TOKEN" help:"Bearer token of the operator. Empty with the embedded database: a random one is generated and printed at start-up (dev mode); empty otherwise: operator endpoints are disabled."`
}

// Sessions configures session tokens and the limits on failed logins (see
// sessions.Limits: per account and client address, per client address, and
// a slowdown per account over all addresses, which clients that logged in
// to the account before are exempt from).
type Sessions struct {
	TTL time.Duration `name:"session-ttl" env:"ROSTER_SESSION_TTL" default:"12h" help:"How long a session token lives after login."`
	// Failed logins allowed per account from one client address and per
	// client address before further attempts are refused with 429
	// rate_limited, and how fast each allowance refills (one attempt per
	// interval).
	AccountBurst int           `name:"login-account-burst" env:"ROSTER_LOGIN_ACCOUNT_BURST" default:"5" help:"Failed logins allowed per account from one client address before that address is refused for the account for a while."`
	AccountEvery time.Duration `name:"login-account-every" env:"ROSTER_LOGIN_ACCOUNT_EVERY" default:"1m" help:"One more failed login per account and client address is allowed after each interval."`
	AddressBurst int           `name:"login-address-burst" env:"ROSTER_LOGIN_ADDRESS_BURST" default:"30" help:"Failed logins allowed per client address (an IPv6 client's /64), over all accounts, before the address is refused for a while."`
	AddressEvery time.Duration `name:"login-address-every" env:"ROSTER_LOGIN_ADDRESS_EVERY" default:"2s" help:"One more failed login per client address is allowed after each interval."`
	// The slowdown of an account under a distributed attack.
	SlowAfter int           `name:"login-account-slow-after" env:"ROSTER_LOGIN_ACCOUNT_SLOW_AFTER" default:"10" help:"Failed logins of one account from all addresses together after which each failure makes the account wait before its next attempt (1 s, doubling): it slows down, it is never locked. Clients that logged in to the account before are not slowed."`
	SlowMax   time.Duration `name:"login-account-slow-max" env:"ROSTER_LOGIN_ACCOUNT_SLOW_MAX" default:"1m" help:"The longest such wait: someone else's failures keep a user out at most this long after the last of them. One failure is forgotten per interval."`
}

// Validate reports unusable session settings.
func (s Sessions) Validate() error {
	switch {
	case s.TTL < time.Minute || s.TTL > 90*24*time.Hour:
		return fmt.Errorf("session TTL %s: must be between 1m and 2160h", s.TTL)
	case s.AccountBurst < 1 || s.AddressBurst < 1 || s.SlowAfter < 1:
		return errors.New("login bursts (and --login-account-slow-after) must be at least 1")
	case s.AccountEvery <= 0 || s.AddressEvery <= 0:
		return errors.New("login refill intervals must be positive")
	case s.SlowMax < time.Second:
		return errors.New("--login-account-slow-max must be at least 1s")
	}
	return nil
}

// Passwords bounds the memory and CPU that password hashing may take.
// Every Argon2id computation (login, invitation or password change with a
// password, tenant creation) takes 19 MiB for about 50 ms of one core;
// at most HashesAtOnce run at once, and one that finds them all busy waits
// at most HashWait, then is refused with 503 unavailable and Retry-After.
type Passwords struct {
	HashesAtOnce int           `name:"password-hashes-at-once" env:"ROSTER_PASSWORD_HASHES_AT_ONCE" default:"8" help:"Password hashes (Argon2id, 19 MiB each) computed at once: the default, 8, keeps their memory within a budget of 152 MiB (8 × 19 MiB), and is 4 × the 2 cores the service was sized on: more at once would only wait for a core."`
	HashWait     time.Duration `name:"password-hash-wait" env:"ROSTER_PASSWORD_HASH_WAIT" default:"1s" help:"How long a login (or a command setting a password) waits for a free hashing slot before it is refused with 503 unavailable and Retry-After."`
}

// Validate requires at least one hash at once and a wait of zero or more.
func (p Passwords) Validate() error {
	if p.HashesAtOnce < 1 || p.HashWait < 0 {
		return errors.New("--password-hashes-at-once must be at least 1 and --password-hash-wait zero or more")
	}
	return nil
}

// NATS configures the publisher of public events to NATS JetStream
// (infra/natspublisher): off unless a URL is given.
type NATS struct {
	URL             string        `name:"nats-url" env:"ROSTER_NATS_URL" help:"NATS server URL, or several comma-separated (nats://user:password@host:4222; never logged). Set: every public event is published to a JetStream stream on roster.<tenant>.<type>, exactly once. Empty: off."`
	Stream          string        `name:"nats-stream" env:"ROSTER_NATS_STREAM" default:"ROSTER_EVENTS" help:"The JetStream stream public events are published to: created at start if missing (file storage, subjects roster.>), else given those subjects and --nats-duplicate-window and otherwise left as it is."`
	DuplicateWindow time.Duration `name:"nats-duplicate-window" env:"ROSTER_NATS_DUPLICATE_WINDOW" default:"1h" help:"How long the stream remembers an event id, so that an event published again after a crash is dropped: make it longer than a restart can take."`
}

// Enabled reports whether public events are published to NATS.
func (n NATS) Enabled() bool { return n.URL != "" }

// Validate rejects, when enabled, a URL that is not a NATS URL (without
// repeating it: it may hold a password), a stream name NATS refuses, and a
// duplicate window shorter than a minute.
func (n NATS) Validate() error {
	if !n.Enabled() {
		return nil
	}
	for _, one := range strings.Split(n.URL, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, u.Scheme) || u.Host == "" {
			return errors.New("--nats-url / ROSTER_NATS_URL must look like nats://host:4222 (tls://, ws:// and wss:// too), several comma-separated")
		}
	}
	if n.Stream == "" || len(n.Stream) > 255 || strings.ContainsAny(n.Stream, " \t\r\n.*>/\\") {
		return fmt.Errorf("--nats-stream / ROSTER_NATS_STREAM %q: want a name without spaces, '.', '*', '>', '/' or '\\'", n.Stream)
	}
	if n.DuplicateWindow < time.Minute {
		return errors.New("--nats-duplicate-window must be at least 1m, longer than a restart can take")
	}
	return nil
}

// Proxies names the reverse proxies whose forwarding headers tell the
// client's address (which failed logins are limited by). Empty: the
// connection's peer is the client, and forwarding headers are ignored —
// any client can write them.
type Proxies struct {
	TrustedProxies  []string `name:"trusted-proxies" env:"ROSTER_TRUSTED_PROXIES" sep:"," help:"Addresses or CIDR ranges of the reverse proxies in front of the service, comma-separated (e.g. 10.0.0.0/8,192.0.2.1). Only from them is --forwarded-header believed: the client is the right-most address in it that is not a trusted proxy. Empty: no proxy is trusted."`
	ForwardedHeader string   `name:"forwarded-header" env:"ROSTER_FORWARDED_HEADER" default:"X-Forwarded-For" enum:"X-Forwarded-For,Forwarded" help:"The header the trusted proxies append the client's address to (${enum}); the other one is ignored."`
}

// Validate reports a trusted proxy that is neither an address nor a CIDR
// range, and an unknown header.
func (p Proxies) Validate() error {
	if p.ForwardedHeader != "X-Forwarded-For" && p.ForwardedHeader != "Forwarded" {
		return fmt.Errorf("--forwarded-header / ROSTER_FORWARDED_HEADER %q: want X-Forwarded-For or Forwarded", p.ForwardedHeader)
	}
	_, err := p.Prefixes()
	return err
}

// Prefixes are the trusted proxies as address ranges (an address is a
// range of one; an IPv4-mapped IPv6 address, the IPv4 address).
func (p Proxies) Prefixes() ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, t := range p.TrustedProxies {
		prefix, err := parsePrefix(strings.TrimSpace(t))
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies / ROSTER_TRUSTED_PROXIES: %q is neither an address nor a CIDR range such as 10.0.0.0/8", t)
		}
		prefixes = append(prefixes, prefix)
	}
	return prefixes, nil
}

// parsePrefix reads a CIDR range or an address without zone.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		prefix, err := netip.ParsePrefix(s)
		return prefix.Masked(), err
	}
	ip, err := netip.ParseAddr(s)
	if err == nil && ip.Zone() != "" {
		err = errors.New("zone")
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), err
}

// EventStore chooses where events are stored. Keys, read models and the
// projectors' transport stay in PostgreSQL either way.
type EventStore struct {
	// Kind is "postgres" (the events table, the default) or "kurrentdb".
	Kind string `name:"eventstore" env:"ROSTER_EVENTSTORE" default:"postgres" enum:"postgres,kurrentdb" help:"Where events are stored (${enum}): PostgreSQL's events table, or KurrentDB (--kurrentdb-url), whose feed an ingester copies into PostgreSQL for the projectors."`
	// KurrentDBURL is the KurrentDB connection string (kind kurrentdb).
	KurrentDBURL string `name:"kurrentdb-url" env:"ROSTER_KURRENTDB_URL" help:"KurrentDB connection string for --eventstore=kurrentdb, such as esdb://127.0.0.1:2113?tls=false."`
	// WriteModelCache bounds the tenants' states built from their events
	// that the process keeps in memory (execution.Config.CacheRecords).
	WriteModelCache int64 `name:"write-model-cache" env:"ROSTER_WRITE_MODEL_CACHE" default:"1000000" help:"Records (users, teams, work items, one per tenant) of the tenants' write models kept in memory, about 1 KiB each; beyond it the least recently used tenants are dropped and loaded again from their snapshot when next needed. 0: unbounded."`
}

// Validate requires a KurrentDB URL when KurrentDB is chosen.
func (e EventStore) Validate() error {
	if e.WriteModelCache < 0 {
		return fmt.Errorf("--write-model-cache / ROSTER_WRITE_MODEL_CACHE %d: want 0 (unbounded) or more", e.WriteModelCache)
	}
	switch e.Kind {
	case "", "postgres":
		return nil
	case "kurrentdb":
		u, err := url.Parse(e.KurrentDBURL)
		if err != nil || (u.Scheme != "esdb" && u.Scheme != "kurrentdb" && u.Scheme != "esdb+discover" && u.Scheme != "kurrentdb+discover") || u.Host == "" {
			return fmt.Errorf("--kurrentdb-url / ROSTER_KURRENTDB_URL must look like esdb://host:2113?tls=false when --eventstore=kurrentdb")
		}
		return nil
	}
	return fmt.Errorf("--eventstore / ROSTER_EVENTSTORE %q: want postgres or kurrentdb", e.Kind)
}

// KurrentDB reports whether events live in KurrentDB.
func (e EventStore) KurrentDB() bool { return e.Kind == "kurrentdb" }

// Webhooks configures the delivery of public events to the tenants'
// webhook endpoints, which every serve process takes part in.
type Webhooks struct {
	// AllowPrivate lets endpoints point at loopback, link-local, private
	// and other internal addresses; off, such URLs are refused when an
	// endpoint is saved and connections to them are refused when sent (a
	// name that resolves to one later included).
	AllowPrivate bool          `name:"webhooks-allow-private" env:"ROSTER_WEBHOOKS_ALLOW_PRIVATE" help:"Allow webhook URLs on loopback, link-local and private addresses (for development and tests: otherwise any tenant admin could make the server call the internal network)."`
	Timeout      time.Duration `name:"webhooks-timeout" env:"ROSTER_WEBHOOKS_TIMEOUT" default:"15s" help:"How long one webhook delivery may take (connecting, sending, the receiver's answer) before it counts as failed and is retried."`
	DisableAfter time.Duration `name:"webhooks-disable-after" env:"ROSTER_WEBHOOKS_DISABLE_AFTER" default:"120h" help:"An endpoint whose deliveries have all failed for this long is disabled, with the reason shown; the default, 5 days, outlasts the ~3 days one delivery is retried and a long weekend."`
	Concurrency  int           `name:"webhooks-concurrency" env:"ROSTER_WEBHOOKS_CONCURRENCY" default:"32" help:"Deliveries this process sends at once (each holds no database connection while it waits for the receiver)."`
	KeepLog      time.Duration `name:"webhooks-keep-log" env:"ROSTER_WEBHOOKS_KEEP_LOG" default:"720h" help:"How long finished deliveries and their attempts stay in the endpoints' delivery logs (a replay sends older events again all the same, from the public event log)."`
	PerEndpoint  int           `name:"webhooks-per-endpoint" env:"ROSTER_WEBHOOKS_PER_ENDPOINT" default:"8" help:"Of those, how many one endpoint may take: a slow or hanging receiver holds at most this many, and the others' deliveries go on."`
}

// Validate requires a positive timeout, a disabling delay and a log kept of
// an hour at least, and at least one delivery at once, per endpoint too.
func (w Webhooks) Validate() error {
	switch {
	case w.Timeout <= 0 || w.Timeout > 5*time.Minute:
		return errors.New("--webhooks-timeout / ROSTER_WEBHOOKS_TIMEOUT must be between 1ms and 5m")
	case w.DisableAfter < time.Hour:
		return errors.New("--webhooks-disable-after / ROSTER_WEBHOOKS_DISABLE_AFTER must be at least 1h")
	case w.KeepLog < time.Hour:
		return errors.New("--webhooks-keep-log / ROSTER_WEBHOOKS_KEEP_LOG must be at least 1h")
	case w.Concurrency < 1:
		return errors.New("--webhooks-concurrency / ROSTER_WEBHOOKS_CONCURRENCY must be at least 1")
	case w.PerEndpoint < 1 || w.PerEndpoint > w.Concurrency:
		return errors.New("--webhooks-per-endpoint / ROSTER_WEBHOOKS_PER_ENDPOINT must be between 1 and --webhooks-concurrency")
	}
	return nil
}

// Events configures lifecycle events out (API.md's additions of milestone 2).
type Events struct {
	Retention time.Duration `name:"events-retention" env:"ROSTER_EVENTS_RETENTION" default:"2160h" help:"How long public events are kept and readable from the pull feed (GET /v1/tenants/{tenant}/events): 2160h, 90 days, by default."`
}

// Validate refuses a retention too short to resume from.
func (e Events) Validate() error {
	if e.Retention < time.Hour {
		return fmt.Errorf("--events-retention must be at least 1h, not %s", e.Retention)
	}
	return nil
}
