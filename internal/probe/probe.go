package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Request says where to send requests and how many.
type Request struct {
	URL string // e.g. http://10.244.0.5/api/check
	// Host is the Host header (the Ingress rule's host); empty keeps the URL's.
	Host string
	// Header is added to every request (e.g. X-Canary: iwantsit).
	Header http.Header
	// Requests is how many to send; Concurrency how many at once (default 1).
	Requests, Concurrency int
	// RequestTimeout bounds each request (default 5 s).
	RequestTimeout time.Duration
	// Version reads the version from a body (default SeedFormat).
	Version Extractor
	// Client sends the requests (default: one with keep-alives off, so each
	// request is a new connection and the balancer decides afresh, as the
	// seed's curl loop does).
	Client *http.Client
}

// Result counts the answers.
type Result struct {
	Requests int            `json:"requests"`
	Versions map[string]int `json:"versions"`         // version → answers
	Errors   map[string]int `json:"errors,omitempty"` // kind → count
	Elapsed  time.Duration  `json:"elapsedNanos"`
}

// Answered is the number of requests that returned a version.
func (r Result) Answered() int {
	n := 0
	for _, c := range r.Versions {
		n += c
	}
	return n
}

// SortedVersions lists the versions seen, most answers first.
func (r Result) SortedVersions() []string {
	vs := make([]string, 0, len(r.Versions))
	for v := range r.Versions {
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b string) int {
		if d := r.Versions[b] - r.Versions[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return vs
}

var errUnparsable = errors.New("unparsable body")

// Run sends req.Requests requests and counts what answered. It returns an
// error only for a request it cannot build or when ctx ends; failed
// requests are counted in Result.Errors by kind.
func Run(ctx context.Context, req Request) (Result, error) {
	if req.Requests <= 0 {
		return Result{}, fmt.Errorf("requests: %d, want at least 1", req.Requests)
	}
	if _, err := http.NewRequest(http.MethodGet, req.URL, nil); err != nil {
		return Result{}, fmt.Errorf("url: %w", err)
	}
	conc := max(1, min(req.Concurrency, req.Requests))
	timeout := req.RequestTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	extract := req.Version
	if extract == nil {
		extract = SeedFormat()
	}
	client := req.Client
	if client == nil {
		client = &http.Client{
			Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
			// A redirect is an answer to count, not to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}

	res := Result{Requests: req.Requests, Versions: map[string]int{}, Errors: map[string]int{}}
	var mu sync.Mutex
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				v, kind := one(ctx, client, req, timeout, extract)
				mu.Lock()
				if kind != "" {
					res.Errors[kind]++
				} else {
					res.Versions[v]++
				}
				mu.Unlock()
			}
		}()
	}
send:
	for range req.Requests {
		select {
		case jobs <- struct{}{}:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// one sends a request and returns the version, or the kind of failure.
func one(ctx context.Context, client *http.Client, req Request, timeout time.Duration, extract Extractor) (version, kind string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, _ := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil) // checked in Run
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if req.Host != "" {
		hr.Host = req.Host
	}
	resp, err := client.Do(hr)
	if err != nil {
		return "", errorKind(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", errorKind(err)
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	v, err := extract(body)
	if err != nil {
		return "", errUnparsable.Error()
	}
	return v, ""
}

// errorKind names a transport failure the way an operator reads it.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "dns"
	}
	return "other"
}
