// Command pubsub-emulator serves Google's in-memory Pub/Sub fake (pstest) on a
// fixed port so the platform's Node services reach it through PUBSUB_EMULATOR_HOST.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"cloud.google.com/go/pubsub/v2/pstest"
)

func main() {
	address := flag.String("address", "127.0.0.1:8085", "host:port to listen on")
	flag.Parse()

	server := pstest.NewServerWithAddress(*address)
	log.Printf("pubsub emulator (pstest) listening on %s", server.Addr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	if err := server.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}
