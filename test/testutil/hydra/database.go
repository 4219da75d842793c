package hydra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/logbuf"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/proc"
)

// Migrating a new sqlite database takes Hydra seconds of wall time (it
// syncs after each of its migrations) and little CPU. A test package starts
// a dozen servers, so the schema is made once per test process and its
// file copied into each new server's directory.
var (
	schemaOnce sync.Once
	schema     []byte
	schemaErr  error
)

const dbFile = "hydra.sqlite"

// dsn is the database of a server whose files are in dir.
func dsn(dir string) string {
	return "sqlite://" + filepath.Join(dir, dbFile) + "?_fk=true"
}

// prepareDatabase gives the server a migrated database: an existing one
// (a Dir reused from an earlier run) is migrated in place, which is
// idempotent; a new one is a copy of the process's migrated empty schema.
func (s *Server) prepareDatabase(ctx context.Context) error {
	path := filepath.Join(s.dir, dbFile)
	if _, err := os.Stat(path); err == nil {
		return migrate(ctx, s.bin, s.configPath, s.env())
	}
	schemaOnce.Do(func() { schema, schemaErr = migratedSchema(ctx, s.bin, s.env()) })
	if schemaErr != nil {
		return schemaErr
	}
	if err := os.WriteFile(path, schema, 0o600); err != nil {
		return fmt.Errorf("writing Hydra's database: %w", err)
	}
	return nil
}

// migratedSchema migrates an empty database in a directory of its own and
// returns the file's bytes.
func migratedSchema(ctx context.Context, bin string, env []string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "hydra-schema-")
	if err != nil {
		return nil, fmt.Errorf("migrating Hydra's database: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	config := filepath.Join(dir, "hydra.yml")
	if err := os.WriteFile(config, []byte("dsn: "+dsn(dir)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("migrating Hydra's database: %w", err)
	}
	if err := migrate(ctx, bin, config, env); err != nil {
		return nil, err
	}
	for _, extra := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(filepath.Join(dir, dbFile+extra)); err == nil {
			return nil, errors.New("migrating Hydra's database: sqlite left " + dbFile + extra + " behind; the schema cannot be copied as one file")
		}
	}
	return os.ReadFile(filepath.Join(dir, dbFile)) //nolint:gosec // G304: our own temporary directory
}

// migrate creates Hydra's schema in the database of config (idempotent).
func migrate(ctx context.Context, bin, config string, env []string) error {
	cmd := exec.CommandContext(ctx, bin, "migrate", "sql", "up", "--read-from-env", "--yes", "--config", config) //nolint:gosec // G204: the Hydra binary the harness built (or HYDRA_BIN), fixed arguments and its own temp config
	cmd.Env = env
	cmd.SysProcAttr = proc.SysProcAttr()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("migrating Hydra's database: %w: %s", err, logbuf.LastBytes(out, 4096))
	}
	return nil
}
