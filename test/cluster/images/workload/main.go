// Command workload is the cluster test's application: it obtains an access
// token with the client credentials grant again and again, with the
// credentials an OAuthClient's Secret delivers, and reports on
// :8080/status what it saw. It never prints or serves a secret.
//
// CREDENTIALS_DIR names a mounted Secret (files client_id, client_secret,
// token_url, scope), read again before every request as an application
// that follows rotation would; without it the CLIENT_ID, CLIENT_SECRET,
// TOKEN_URL and SCOPE environment variables, fixed at start, are used.
//
// /status is JSON: the source, the client ID of the last attempt, counts
// of tokens obtained and refused, and the last failure (an OAuth error
// code or a transport error, nothing secret). /ready answers 200 once a
// token was obtained.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

type status struct {
	Source    string    `json:"source"`
	ClientID  string    `json:"clientID"`
	OK        int       `json:"ok"`
	Failed    int       `json:"failed"`
	LastError string    `json:"lastError,omitempty"`
	Since     time.Time `json:"since"`
}

type credentials struct{ clientID, clientSecret, tokenURL, scope string }

func main() {
	var mu sync.Mutex
	st := status{Since: time.Now().UTC()}
	dir := os.Getenv("CREDENTIALS_DIR")
	env := credentials{
		clientID: os.Getenv("CLIENT_ID"), clientSecret: os.Getenv("CLIENT_SECRET"),
		tokenURL: os.Getenv("TOKEN_URL"), scope: os.Getenv("SCOPE"),
	}
	st.Source = "env"
	if dir != "" {
		st.Source = "files"
	}
	read := func() (credentials, error) {
		if dir == "" {
			return env, nil
		}
		return readDir(dir)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	go func() {
		for {
			creds, err := read()
			if err == nil {
				err = token(client, creds)
			}
			mu.Lock()
			st.ClientID = creds.clientID
			if err != nil {
				st.Failed++
				st.LastError = err.Error()
			} else {
				st.OK++
			}
			mu.Unlock()
			time.Sleep(250 * time.Millisecond)
		}
	}()

	http.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	http.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if st.OK == 0 {
			http.Error(w, "no token yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	srv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}

func readDir(dir string) (credentials, error) {
	get := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // G304: the mounted Secret's files, named here
		return strings.TrimSpace(string(b)), err
	}
	var c credentials
	var err error
	if c.clientID, err = get("client_id"); err != nil {
		return c, err
	}
	if c.clientSecret, err = get("client_secret"); err != nil {
		return c, err
	}
	if c.tokenURL, err = get("token_url"); err != nil {
		return c, err
	}
	c.scope, _ = get("scope")
	return c, nil
}

// token asks for an access token (client_secret_basic) and checks that one
// came back; the token itself is dropped.
func token(client *http.Client, c credentials) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.scope != "" {
		form.Set("scope", c.scope)
	}
	req, err := http.NewRequest(http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.clientSecret))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("token request failed: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return fmt.Errorf("token endpoint answered %d %s", resp.StatusCode, body.Error)
	}
	return nil
}
