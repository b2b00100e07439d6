// Package pgtest gives tests a real PostgreSQL server: the one named by CLAIMDESK_TEST_POSTGRES
// (a connection URL), or a throwaway cluster it starts itself from Debian's postgresql package.
// Each test gets a database of its own, dropped when it ends. Without PostgreSQL the tests are
// skipped with a message, unless CLAIMDESK_REQUIRE names postgres (as in CI), which makes it a
// failure instead.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Required reports whether the environment demands PostgreSQL tests
// (CLAIMDESK_REQUIRE=chromium,postgres).
func Required() bool {
	return slices.Contains(strings.Split(os.Getenv("CLAIMDESK_REQUIRE"), ","), "postgres")
}

var (
	once    sync.Once
	server  string // the admin URL of the server, "" when there is none
	reason  string // why there is none
	cluster *throwaway
	counter atomic.Int64
)

// DSN returns the URL of a fresh, empty database for the test, dropped at its end. It skips
// the test when no PostgreSQL is available (or fails it when CLAIMDESK_REQUIRE names postgres).
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if server == "" {
		if Required() {
			t.Fatalf("PostgreSQL is required (CLAIMDESK_REQUIRE) but unavailable: %s", reason)
		}
		t.Skipf("skipping PostgreSQL test: %s (apt-get install postgresql, or set CLAIMDESK_TEST_POSTGRES)", reason)
	}
	name := fmt.Sprintf("claimdesk_test_%d_%d", os.Getpid(), counter.Add(1))
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, _ := url.Parse(server)
	u.Path = "/" + name
	return u.String()
}

// Stop stops the throwaway cluster, if one was started; call it from TestMain after m.Run.
func Stop() {
	if cluster != nil {
		cluster.stop()
	}
}

func setup() {
	if dsn := os.Getenv("CLAIMDESK_TEST_POSTGRES"); dsn != "" {
		server = dsn
		return
	}
	bin, err := findBin()
	if err != nil {
		reason = err.Error()
		return
	}
	c, err := start(bin)
	if err != nil {
		reason = "could not start a throwaway cluster: " + err.Error()
		return
	}
	cluster, server = c, c.url
}

// findBin finds the directory of initdb and pg_ctl: Debian keeps them out of PATH, under
// /usr/lib/postgresql/VERSION/bin.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.Sort(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server installed")
}

// throwaway is a cluster in a temporary directory, listening on 127.0.0.1 at a free port.
type throwaway struct {
	bin, dir, url string
	asUser        []string // runuser prefix when running as root
}

func start(bin string) (*throwaway, error) {
	dir, err := os.MkdirTemp("", "claimdesk-pg-")
	if err != nil {
		return nil, err
	}
	c := &throwaway{bin: bin, dir: dir}
	// initdb and postgres refuse to run as root: run them as the postgres account.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres account: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// fsync stays on: the crash tests need a server that keeps what it acknowledged.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=200", port, dir)
	if out, err := c.run("pg_ctl", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "log"), "start", "-o", opts); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, _ := sql.Open("pgx", c.url)
	defer db.Close()
	for {
		if err := db.PingContext(ctx); err == nil {
			return c, nil
		} else if ctx.Err() != nil {
			c.stop()
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *throwaway) run(name string, args ...string) ([]byte, error) {
	cmd := append(append([]string{}, c.asUser...), filepath.Join(c.bin, name))
	cmd = append(cmd, args...)
	return exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
}

func (c *throwaway) stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "stop", "-m", "immediate")
	os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
