package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// baselineResult is the cost of the operator's essential work done by a
// tight loop with no controller.
type baselineResult struct {
	Clients          int     `json:"clients"`
	Concurrency      int     `json:"concurrency"`
	Seconds          float64 `json:"seconds"`
	ClientsPerSecond float64 `json:"clients_per_second"`
	Registrations    int     `json:"registrations"`
	SecretCreates    int     `json:"secret_creates"`
	StatusWrites     int     `json:"status_writes"`
	// StartToSecret is, per client, from the loop's start to its Secret
	// being created: what apply→Secret would be if the operator were this
	// loop and all N clients were applied at its start.
	StartToSecret     latencies `json:"start_to_secret"`
	CPU               cpuUse    `json:"cpu"`
	SetupSeconds      float64   `json:"setup_seconds"`
	CleanupSeconds    float64   `json:"cleanup_seconds"`
	TimedOperationsOf string    `json:"timed_operations"`
}

// runBaseline does, per client and with concurrency workers, what the
// operator cannot avoid: one RFC 7591 registration, one Secret create and
// one status write on an OAuthClient. The OAuthClients are created first,
// untimed, in their own namespace while no manager runs; everything is
// deleted again afterwards so the manager never sees it.
func runBaseline(ctx context.Context, k client.Client, reg *registrar, n, concurrency, creators int, profile func() (stop func())) (baselineResult, error) {
	res := baselineResult{
		Clients: n, Concurrency: concurrency,
		TimedOperationsOf: "POST /reg + create Secret + patch OAuthClient status, per client",
	}
	names := clientNames("base", n)
	setup := time.Now()
	clients := make([]*v1alpha1.OAuthClient, n)
	err := parallel(ctx, n, creators, func(ctx context.Context, i int) (err error) {
		clients[i], err = createUnserved(ctx, k, names[i])
		return err
	})
	if err != nil {
		return res, err
	}
	res.SetupSeconds = seconds(time.Since(setup))

	toSecret := make([]time.Duration, n)
	cpu0, err := processCPU()
	if err != nil {
		return res, err
	}
	stopProfile := profile()
	start := time.Now()
	err = parallel(ctx, n, concurrency, func(ctx context.Context, i int) error {
		return essentialWork(ctx, k, reg, clients[i], func() { toSecret[i] = time.Since(start) })
	})
	elapsed := time.Since(start)
	stopProfile()
	if err != nil {
		return res, err
	}
	cpu1, err := processCPU()
	if err != nil {
		return res, err
	}
	res.CPU = newCPUUse(cpu0, cpu1, elapsed.Seconds(), runtime.NumCPU())
	res.StartToSecret = summarize(toSecret)
	res.Seconds = seconds(elapsed)
	res.ClientsPerSecond = round(float64(n) / elapsed.Seconds())
	res.Registrations, res.SecretCreates, res.StatusWrites = n, n, n

	cleanup := time.Now()
	if err := deleteAllIn(ctx, k, baselineNamespace); err != nil {
		return res, err
	}
	res.CleanupSeconds = seconds(time.Since(cleanup))
	return res, nil
}

// createUnserved creates the OAuthClient name in the baseline's namespace,
// where no manager serves it.
func createUnserved(ctx context.Context, k client.Client, name string) (*v1alpha1.OAuthClient, error) {
	oac := newOAuthClient(baselineNamespace, name)
	oac.Spec.ServerRef.Name = "none" // no manager runs; the name does not matter
	if err := k.Create(ctx, oac); err != nil {
		return nil, fmt.Errorf("baseline: creating OAuthClient %s: %w", name, err)
	}
	return oac, nil
}

// essentialWork is what the operator cannot avoid for one OAuthClient it
// has read: one RFC 7591 registration, one Secret create with the issued
// credentials (then delivered is called) and one merge-patch of its status
// to Ready. oac is changed: it gets the status.
func essentialWork(ctx context.Context, k client.Client, reg *registrar, oac *v1alpha1.OAuthClient, delivered func()) error {
	id, secret, err := reg.register(ctx, ccMetadata(oac.Namespace+"/"+oac.Name, "read"))
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: oac.Name, Namespace: oac.Namespace},
		Data:       map[string][]byte{"client_id": []byte(id), "client_secret": []byte(secret)},
	}
	if err := k.Create(ctx, sec); err != nil {
		return fmt.Errorf("baseline: creating Secret %s: %w", oac.Name, err)
	}
	delivered()
	before := oac.DeepCopy()
	oac.Status.ClientID = id
	oac.Status.SecretName = oac.Name
	oac.Status.SecretVersion = 1
	oac.Status.ObservedGeneration = oac.Generation
	oac.Status.Conditions = []metav1.Condition{{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: oac.Generation,
		LastTransitionTime: metav1.Now(), Reason: v1alpha1.ReasonReady, Message: "baseline",
	}}
	if err := k.Status().Patch(ctx, oac, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("baseline: writing the status of %s: %w", oac.Name, err)
	}
	return nil
}

// deleteAllIn deletes every OAuthClient and Secret of ns (none has a
// finalizer: no manager ran) and waits until they are gone.
func deleteAllIn(ctx context.Context, k client.Client, ns string) error {
	// A busy API server may give up on a large delete-collection (a
	// timeout, a reset stream) while it goes on deleting; asking again is
	// harmless.
	for _, obj := range []client.Object{&v1alpha1.OAuthClient{}, &corev1.Secret{}} {
		var err error
		for range 5 {
			if err = k.DeleteAllOf(ctx, obj, client.InNamespace(ns)); err == nil || ctx.Err() != nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("deleting the %T objects of %s: %w", obj, ns, err)
		}
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var list v1alpha1.OAuthClientList
		if err := k.List(ctx, &list, client.InNamespace(ns), client.Limit(1)); err != nil {
			return fmt.Errorf("listing the OAuthClients of %s: %w", ns, err)
		}
		if len(list.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the OAuthClients of %s were not gone after 10 minutes", ns)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
