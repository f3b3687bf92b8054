// tlogcheck is the same checker as ../rfc9162check (same JSON on stdin, same output and exit
// codes) built on golang.org/x/mod/sumdb/tlog, the Go checksum database's RFC 6962-compatible
// transparent log, as Debian ships it (golang-golang-x-mod-dev). It needs no network: build with
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck main.go
//
// The tests use it when the Go module proxy (for transparency-dev/merkle) cannot be reached.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

type testCase struct {
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root"`
	Size1    int64    `json:"size1"`
	Size2    int64    `json:"size2"`
	Root1    string   `json:"root1"`
	Root2    string   `json:"root2"`
	Proof    []string `json:"proof"`
}

func hash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return h, err
	}
	if len(b) != tlog.HashSize {
		return h, fmt.Errorf("hash of %d bytes", len(b))
	}
	copy(h[:], b)
	return h, nil
}

func check(c testCase) error {
	path := make([]tlog.Hash, 0, len(c.Proof))
	for _, p := range c.Proof {
		h, err := hash(p)
		if err != nil {
			return fmt.Errorf("proof: %v", err)
		}
		path = append(path, h)
	}
	switch c.Kind {
	case "inclusion":
		leaf, err := hash(c.LeafHash)
		if err != nil {
			return err
		}
		root, err := hash(c.Root)
		if err != nil {
			return err
		}
		return tlog.CheckRecord(tlog.RecordProof(path), c.Size, root, c.Index, leaf)
	case "consistency":
		r1, err := hash(c.Root1)
		if err != nil {
			return err
		}
		r2, err := hash(c.Root2)
		if err != nil {
			return err
		}
		return tlog.CheckTree(tlog.TreeProof(path), c.Size2, r2, c.Size1, r1)
	}
	return fmt.Errorf("unknown kind %q", c.Kind)
}

func main() {
	var in struct {
		Cases []testCase `json:"cases"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil || len(in.Cases) == 0 {
		fmt.Fprintln(os.Stderr, "tlogcheck: no cases on stdin:", err)
		os.Exit(2)
	}
	failed := 0
	for _, c := range in.Cases {
		if err := check(c); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", c.Name, err)
		} else {
			fmt.Printf("ok %s\n", c.Name)
		}
	}
	fmt.Printf("tlogcheck: %d ok, %d failing\n", len(in.Cases)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
