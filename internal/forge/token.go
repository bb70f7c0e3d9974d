package forge

import "fmt"

// Token returns the token for a forge: GEN_GIT_TOKEN first, else the
// forge's usual variable. getenv is passed in (os.Getenv in the CLI) so
// tests and callers decide what the environment is.
func Token(k Kind, getenv func(string) string) (string, error) {
	if t := getenv("GEN_GIT_TOKEN"); t != "" {
		return t, nil
	}
	if t := getenv(k.TokenVar()); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("no token for %s: set GEN_GIT_TOKEN or %s", k, k.TokenVar())
}
