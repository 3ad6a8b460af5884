// Command pubsub-emulator serves Google's in-memory Pub/Sub fake (pstest) on a
// fixed port so the platform's Node services reach it through PUBSUB_EMULATOR_HOST.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"cloud.google.com/go/pubsub/v2/pstest"
)

func main() {
	address := flag.String("address", "127.0.0.1:8085", "host:port to listen on")
	forgetEvery := flag.Duration("forget-published-every", 30*time.Second, "drop pstest's log of published messages this often (0 keeps it)")
	flag.Parse()

	server := pstest.NewServerWithAddress(*address)
	log.Printf("pubsub emulator (pstest) listening on %s", server.Addr)

	if *forgetEvery > 0 {
		forget, err := publishedLogForgetter(server)
		if err != nil {
			log.Fatalf("pstest internals changed, cannot bound memory: %v", err)
		}
		go func() {
			for range time.Tick(*forgetEvery) {
				forget()
			}
		}()
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	if err := server.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}

// publishedLogForgetter returns a function that empties the log pstest keeps of
// every message ever published (for its Go test helpers, unreachable over
// gRPC), which otherwise grows without bound in a long local run. Messages
// still waiting in a subscription are held there and are not touched. pstest
// has no API for this, so its unexported fields are reached by reflection.
func publishedLogForgetter(server *pstest.Server) (func(), error) {
	g := reflect.ValueOf(&server.GServer).Elem()
	field := func(name string) (reflect.Value, error) {
		f := g.FieldByName(name)
		if !f.IsValid() {
			return reflect.Value{}, &missingField{name}
		}
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
	}
	mu, err := field("mu")
	if err != nil {
		return nil, err
	}
	msgs, err := field("msgs")
	if err != nil {
		return nil, err
	}
	byID, err := field("msgsByID")
	if err != nil {
		return nil, err
	}
	lock, ok := mu.Addr().Interface().(*sync.Mutex)
	if !ok || msgs.Kind() != reflect.Slice || byID.Kind() != reflect.Map {
		return nil, &missingField{"mu/msgs/msgsByID of the expected types"}
	}
	return func() {
		lock.Lock()
		defer lock.Unlock()
		msgs.Set(reflect.Zero(msgs.Type()))
		byID.Set(reflect.MakeMap(byID.Type()))
	}, nil
}

type missingField struct{ name string }

func (e *missingField) Error() string { return "GServer has no field " + e.name }
