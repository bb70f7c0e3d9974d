package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// weighted answers like a deterministic balancer: every fifth request
// (20%) from v2, the rest from v1; X-Canary: iwantsit always v2. It
// records the Host it was asked for.
func weighted(t *testing.T) (*httptest.Server, *atomic.Value) {
	var n atomic.Int64
	var host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host)
		if r.Header.Get("X-Canary") == "iwantsit" || n.Add(1)%5 == 0 {
			w.Write([]byte(`{"message":"v2"}`))
			return
		}
		w.Write([]byte(`{"message":"v1"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &host
}

func TestRunCountsVersions(t *testing.T) {
	srv, host := weighted(t)
	res, err := Run(context.Background(), Request{
		URL: srv.URL + "/api/check", Host: "rollouts-demo.dev.example.com", Requests: 400, Concurrency: 8,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions["v1"] != 320 || res.Versions["v2"] != 80 || len(res.Errors) != 0 {
		t.Fatalf("counts %v errors %v, want v1 320, v2 80", res.Versions, res.Errors)
	}
	if h := host.Load(); h != "rollouts-demo.dev.example.com" {
		t.Errorf("Host header %v, want the Ingress host", h)
	}
	v := Judge(res, Expectation{Canary: "v2", Share: 0.2})
	if !v.Consistent || v.PValue != 1 || v.Share != 0.2 {
		t.Errorf("verdict %+v, want consistent with p = 1", v)
	}
	if v := Judge(res, Expectation{Canary: "v2", Share: 0.4}); v.Consistent {
		t.Errorf("80/400 judged consistent with 40%%: %+v", v)
	}

	hdr := http.Header{"X-Canary": {"iwantsit"}}
	res, err = Run(context.Background(), Request{URL: srv.URL + "/api/check", Header: hdr, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions["v2"] != 50 {
		t.Errorf("with the header: %v, want 50 v2", res.Versions)
	}
	if v := Judge(res, Expectation{Canary: "v2", Share: 1}); !v.Consistent {
		t.Errorf("50/50 judged inconsistent with 100%%: %+v", v)
	}
}

func TestRunCountsErrorsByKind(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 4 {
		case 0:
			http.Error(w, "boom", http.StatusServiceUnavailable)
		case 1:
			w.Write([]byte("<html>not json</html>"))
		case 2:
			hj := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
		default:
			w.Write([]byte(`{"message":"v1"}`))
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Request{URL: srv.URL, Requests: 40, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"HTTP 503": 10, "unparsable body": 10, "connection reset": 10}
	for k, c := range want {
		if res.Errors[k] != c {
			t.Errorf("errors %v, want %v", res.Errors, want)
			break
		}
	}
	if res.Versions["v1"] != 10 || res.Answered() != 10 {
		t.Errorf("versions %v, want 10 v1", res.Versions)
	}
}

func TestRunTimeoutsAndRefusals(t *testing.T) {
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	res, err := Run(context.Background(), Request{URL: slow.URL, Requests: 3, Concurrency: 3, RequestTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["timeout"] != 3 {
		t.Errorf("errors %v, want 3 timeouts", res.Errors)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res, err = Run(context.Background(), Request{URL: "http://" + addr + "/", Requests: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["connection refused"] != 2 {
		t.Errorf("errors %v, want 2 connection refused", res.Errors)
	}
}

func TestExtractors(t *testing.T) {
	re, err := Regexp(`version=(v\d+)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ex   Extractor
		body string
		want string
		ok   bool
	}{
		{"seed", SeedFormat(), `{"message":"v2"}`, "v2", true},
		{"seed, not JSON", SeedFormat(), `v2`, "", false},
		{"seed, no field", SeedFormat(), `{"msg":"v2"}`, "", false},
		{"dotted", JSONField("build.version"), `{"build":{"version":"1.2.3"}}`, "1.2.3", true},
		{"number", JSONField("v"), `{"v":3}`, "3", true},
		{"regex", re, "app version=v7 ok", "v7", true},
		{"regex, no match", re, "nothing", "", false},
	} {
		got, err := tc.ex([]byte(tc.body))
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("%s: %q, %v; want %q ok=%v", tc.name, got, err, tc.want, tc.ok)
		}
	}
	if _, err := Regexp(`(a)(b)`); err == nil {
		t.Error("two capture groups accepted")
	}
}

func TestWriteTable(t *testing.T) {
	res := Result{Requests: 50, Versions: map[string]int{"v1": 36, "v2": 14}}
	v := Judge(res, Expectation{Canary: "v2", Share: 0.2})
	var b strings.Builder
	if err := WriteTable(&b, res, &v); err != nil {
		t.Fatal(err)
	}
	want := "VERSION  ANSWERS  SHARE\n" +
		"v1       36/50    72.0%\n" +
		"v2       14/50    28.0%\n" +
		"canary v2: 14/50 = 28.0% (99% Wilson 15.0–46.2%), expected 20.0%: p = 0.159, consistent at alpha 0.001\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	hostile := Result{Requests: 1, Versions: map[string]int{"v1\x1b[2J": 1}}
	if err := WriteTable(&b, hostile, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), `"v1\x1b[2J"`) {
		t.Errorf("a version with an escape code is printed raw:\n%q", b.String())
	}
}
