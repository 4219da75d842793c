package controllers_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// BenchmarkSecretMetadataInformer measures what the alternative to the
// source watch's polling would hold: a metadata-only informer of every
// Secret in the cluster (managed fields stripped, as the manager's cache
// does), filled with 10,000 Secrets that have nothing to do with the
// operator (labels and an annotation as Helm and kubectl leave them). It
// reports the heap the informer keeps per Secret; the polling source
// watch keeps one string per OAuthClient with credentialsFrom and nothing
// per unrelated Secret. Run with
// go test ./controllers -run '^$' -bench SecretMetadataInformer -benchtime 1x.
func BenchmarkSecretMetadataInformer(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "mem-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
					Name: fmt.Sprintf("sh.helm.release.v1.app-%05d.v1", i), Namespace: ns.Name,
					Labels:      map[string]string{"owner": "helm", "name": fmt.Sprintf("app-%05d", i), "status": "deployed", "version": "1"},
					Annotations: map[string]string{"meta.helm.sh/release-namespace": ns.Name},
				}, Data: map[string][]byte{"release": []byte("H4sIAAAAAAAC/+y9")}}
				if err := k8s.Create(ctx, s); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		before := heap()
		c, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultTransform: cache.TransformStripManagedFields()})
		if err != nil {
			b.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		go func() { _ = c.Start(cctx) }()
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		if _, err := c.GetInformer(cctx, m); err != nil {
			b.Fatal(err)
		}
		c.WaitForCacheSync(cctx)
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
		if err := c.List(cctx, list, client.InNamespace(ns.Name)); err != nil || len(list.Items) != n {
			b.Fatalf("the informer holds %d of %d Secrets (%v)", len(list.Items), n, err)
		}
		list = nil
		after := heap()
		b.ReportMetric(float64(after-before)/n, "heap-B/Secret")
		b.ReportMetric(float64(after-before)/(1<<20), "heap-MiB/10k")
		cancel()
		runtime.KeepAlive(c)
	}
	b.StopTimer()
	_ = k8s.Delete(ctx, ns)
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
