package main

import (
	"encoding/json"
	"net/http"
)

// newHandler serves the seed's two routes. /api/check writes the body gin's
// c.JSON(200, gin.H{"message": v}) writes: compact JSON, no trailing newline,
// Content-Type application/json; charset=utf-8.
func newHandler(version string) http.Handler {
	body, _ := json.Marshal(map[string]string{"message": version}) // a map of strings always marshals
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/check", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
