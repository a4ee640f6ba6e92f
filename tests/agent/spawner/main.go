// Copyright 2026 The leakprof Authors.

// Command spawner is a benchmark target: it parks N goroutines at S distinct
// stacks (16-32 frames deep, like a real service's) and serves
// /debug/pprof/ plus /work, a small CPU-bound handler for load tests.
//
// It prints "listening on HOST:PORT" and, once every goroutine is parked,
// "ready", then serves until killed.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sync"
)

var (
	mu     sync.Mutex
	chA    = make(chan int)
	chB    = make(chan int)
	parked sync.WaitGroup
)

// The path bits pick stepA or stepB at each level, so every path is a
// distinct stack; the low bits of the path pick how the leaf blocks.

//go:noinline
func stepA(path uint, depth int, kind int) {
	if depth == 0 {
		leaf(kind)
		return
	}
	if path&1 == 0 {
		stepA(path>>1, depth-1, kind)
	} else {
		stepB(path>>1, depth-1, kind)
	}
}

//go:noinline
func stepB(path uint, depth int, kind int) {
	if depth == 0 {
		leaf(kind)
		return
	}
	if path&1 == 0 {
		stepA(path>>1, depth-1, kind)
	} else {
		stepB(path>>1, depth-1, kind)
	}
}

//go:noinline
func leaf(kind int) {
	parked.Done()
	switch kind {
	case 0:
		<-chA
	case 1:
		select {
		case <-chA:
		case <-chB:
		}
	default:
		mu.Lock()
	}
}

func work(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 4096)
	sum := sha256.Sum256(buf)
	for i := 0; i < 50; i++ {
		sum = sha256.Sum256(sum[:])
	}
	fmt.Fprintf(w, "%x\n", sum[:4])
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	n := flag.Int("n", 10000, "goroutines to park")
	stacks := flag.Int("stacks", 100, "distinct stacks")
	depth := flag.Int("depth", 16, "frames of stepA/stepB above each leaf")
	replay := flag.String("replay", "", "also serve this file (a goroutine "+
		"profile body, e.g. goprofgen's) as /replay/goroutine, whatever the query")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawner:", err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr().String())
	mu.Lock()
	parked.Add(*n)
	for i := 0; i < *n; i++ {
		s := uint(i % *stacks)
		go stepA(s, *depth, int(s%3))
	}
	parked.Wait()
	http.HandleFunc("/work", work)
	if *replay != "" {
		body, err := os.ReadFile(*replay)
		if err != nil {
			fmt.Fprintln(os.Stderr, "spawner:", err)
			os.Exit(1)
		}
		http.HandleFunc("/replay/goroutine", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(body)
		})
	}
	fmt.Println("ready")
	err = http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "spawner:", err)
	os.Exit(1)
}
