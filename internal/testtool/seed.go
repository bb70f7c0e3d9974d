package testtool

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// SeedEnv replays a randomised test: set it to the seed a failing run
// logged (GEN_TEST_SEED=123 go test -run TestX ./...).
const SeedEnv = "GEN_TEST_SEED"

// Seed is the random seed of a randomised test: SeedEnv if set, else the
// clock. It is logged either way, so that any failure can be replayed.
func Seed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(SeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a decimal seed", SeedEnv, v)
		}
		seed = n
	}
	t.Logf("random seed %d (replay with %s=%d)", seed, SeedEnv, seed)
	return seed
}
