package forge

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// exchange is one request the client must send and the answer the forge's
// API documentation shows for it.
type exchange struct {
	method string
	path   string     // escaped, as on the wire (GitLab's acme%2Fdeploy)
	query  url.Values // exactly these parameters; nil means none
	body   string     // JSON the client must send, compared as values; "" means no body
	status int
	reply  string            // testdata file with the response body; "" means empty
	header map[string]string // response headers; {{server}} becomes the server's URL
}

// replay serves recorded exchanges in order and fails the test on any
// request that is not the next one expected, or when one is never asked.
type replay struct {
	t                     *testing.T
	authHeader, authValue string
	mu                    sync.Mutex
	exchanges             []exchange
	next                  int
	srv                   *httptest.Server
}

func newReplay(t *testing.T, authHeader, authValue string, exchanges ...exchange) *replay {
	t.Helper()
	r := &replay{t: t, authHeader: authHeader, authValue: authValue, exchanges: exchanges}
	r.srv = httptest.NewServer(r)
	t.Cleanup(func() {
		r.srv.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.next != len(r.exchanges) {
			t.Errorf("%d of %d recorded exchanges never requested; next: %s %s",
				len(r.exchanges)-r.next, len(r.exchanges), r.exchanges[r.next].method, r.exchanges[r.next].path)
		}
	})
	return r
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.t
	if r.next >= len(r.exchanges) {
		t.Errorf("unexpected request %s %s", req.Method, req.URL)
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	e := r.exchanges[r.next]
	r.next++
	where := e.method + " " + e.path
	if req.Method != e.method || req.URL.EscapedPath() != e.path {
		t.Errorf("request %d: got %s %s, want %s", r.next, req.Method, req.URL.EscapedPath(), where)
	}
	if got := req.URL.Query(); !(len(got) == 0 && len(e.query) == 0) && !reflect.DeepEqual(got, e.query) {
		t.Errorf("%s: query %v, want %v", where, got, e.query)
	}
	if got := req.Header.Get(r.authHeader); got != r.authValue {
		t.Errorf("%s: header %s = %q, want %q", where, r.authHeader, got, r.authValue)
	}
	body, _ := io.ReadAll(req.Body)
	switch {
	case e.body == "" && len(bytes.TrimSpace(body)) != 0:
		t.Errorf("%s: sent body %s, want none", where, body)
	case e.body != "":
		var got, want any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("%s: body %q is not JSON: %v", where, body, err)
		}
		if err := json.Unmarshal([]byte(e.body), &want); err != nil {
			t.Fatalf("%s: recorded body is not JSON: %v", where, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: body\n got %s\nwant %s", where, body, e.body)
		}
	}
	for k, v := range e.header {
		w.Header().Set(k, strings.ReplaceAll(v, "{{server}}", r.srv.URL))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	if e.reply != "" {
		w.Write(readReply(t, e.reply))
	}
}

// readReply reads a testdata response body, dropping the leading "//"
// lines that name the documentation page it comes from.
func readReply(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	lines := strings.Split(string(b), "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], "//") {
		i++
	}
	out = lines[i:]
	return []byte(strings.Join(out, "\n"))
}

// q builds url.Values from pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
