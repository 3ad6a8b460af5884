package main

import (
	"context"
	"testing"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
)

// Forgetting the published log frees it, and a message still waiting in a
// subscription is delivered and acknowledged as before.
func TestForgettingThePublishedLogKeepsPendingMessages(t *testing.T) {
	ctx := context.Background()
	server := pstest.NewServer()
	defer server.Close()
	topic, subscription := "projects/p/topics/t", "projects/p/subscriptions/s"
	if _, err := server.GServer.CreateTopic(ctx, &pb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := server.GServer.CreateSubscription(ctx, &pb.Subscription{Name: subscription, Topic: topic, AckDeadlineSeconds: 10}); err != nil {
		t.Fatal(err)
	}
	server.Publish(topic, []byte("waiting"), map[string]string{"k": "v"})

	forget, err := publishedLogForgetter(server)
	if err != nil {
		t.Fatal(err)
	}
	forget()
	if n := len(server.Messages()); n != 0 {
		t.Fatalf("published log still holds %d messages", n)
	}

	pulled, err := server.GServer.Pull(ctx, &pb.PullRequest{Subscription: subscription, MaxMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(pulled.ReceivedMessages) != 1 || string(pulled.ReceivedMessages[0].Message.Data) != "waiting" || pulled.ReceivedMessages[0].Message.Attributes["k"] != "v" {
		t.Fatalf("pending message lost or changed: %v", pulled.ReceivedMessages)
	}
	if _, err := server.GServer.Acknowledge(ctx, &pb.AcknowledgeRequest{Subscription: subscription, AckIds: []string{pulled.ReceivedMessages[0].AckId}}); err != nil {
		t.Fatal(err)
	}
	// Publishing after a forget still works and is logged afresh.
	server.Publish(topic, []byte("later"), nil)
	if n := len(server.Messages()); n != 1 {
		t.Fatalf("expected the new message in the log, found %d", n)
	}
}
