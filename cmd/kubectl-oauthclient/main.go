// Command kubectl-oauthclient is a kubectl plugin for oauth-client-operator:
//
//	kubectl oauthclient status [NAME]        conditions, server, secret version, rotations, expiry
//	kubectl oauthclient rotate NAME [--wait] rotate the credentials now (the on-demand annotation)
//	kubectl oauthclient disable NAME         disable the client at its server (spec.disabled)
//	kubectl oauthclient enable NAME          enable it again
//	kubectl oauthclient secret NAME          the delivered Secret's keys and sizes, never values
//	kubectl oauthclient check NAME           get a token with the delivered credentials, introspect it
//
// Install it with `go install
// github.com/oauth-client-operator/oauth-client-operator/cmd/kubectl-oauthclient@latest`
// (kubectl finds any kubectl-* binary on the PATH). It uses the kubeconfig
// and context kubectl uses, and prints no secret value, token or private key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, connect)
	stop()
	os.Exit(code)
}

// plugin is what every command works with.
type plugin struct {
	client    client.Client
	namespace string
	out       *output
	http      *http.Client
	now       func() time.Time
	// poll is how often --wait looks again.
	poll time.Duration
}

// connection is how the plugin reaches the cluster: global flags in, a
// client and the namespace to use out.
type connection struct {
	kubeconfig, context, namespace string
}

// connector makes the client; tests hand in one for their API server.
type connector func(connection) (client.Client, string, error)

// connect loads the kubeconfig as kubectl does ($KUBECONFIG, ~/.kube/config,
// in-cluster), with --kubeconfig, --context and --namespace on top.
func connect(c connection) (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.context}
	overrides.Context.Namespace = c.namespace
	cfg := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	ns, _, err := cfg.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("reading the kubeconfig: %w", err)
	}
	rc, err := cfg.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("reading the kubeconfig: %w", err)
	}
	cl, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, "", err
	}
	return cl, ns, nil
}

// command is one subcommand.
type command struct {
	name, args string
	// short is the line in the command list; summary the --help text.
	short, summary string
	// flags adds the command's own flags and returns what runs it.
	flags func(fs *flag.FlagSet) func(ctx context.Context, p *plugin, args []string) error
}

var commands = []command{statusCommand, rotateCommand, disableCommand, enableCommand, secretCommand, checkCommand}

const usage = `kubectl oauthclient: inspect and drive oauth-client-operator's OAuthClients.

Usage: kubectl oauthclient COMMAND [NAME] [flags]

Commands:
%s
Global flags (before or after the command):
  -n, --namespace NAME   the namespace (default: the kubeconfig context's)
  --kubeconfig PATH      the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)
  --context NAME         the kubeconfig context

Run 'kubectl oauthclient COMMAND --help' for a command's flags.
`

func mainUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %-7s %s\n", c.name, c.args, c.short)
	}
	o := &output{w: w}
	o.printf(usage, b.String())
}

// run is the plugin: it returns the exit code (0 ok, 1 failed, 2 misuse).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, conn connector) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		mainUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		(&output{w: stderr}).printf("kubectl oauthclient: unknown command %q\n\n", args[0])
		mainUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connection
	fs.StringVar(&c.namespace, "namespace", "", "the namespace (default: the kubeconfig context's)")
	fs.StringVar(&c.namespace, "n", "", "shorthand for --namespace")
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "the kubeconfig file")
	fs.StringVar(&c.context, "context", "", "the kubeconfig context")
	runCmd := cmd.flags(fs)
	help := func(w io.Writer) {
		fs.SetOutput(w)
		(&output{w: w}).printf("kubectl oauthclient %s %s\n\n%s\n\nFlags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	fs.Usage = func() {} // parse errors are printed below, help on stdout
	positional, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		help(stdout)
		return 0
	}
	if err != nil {
		help(stderr)
		return 2
	}
	cl, ns, err := conn(c)
	if err != nil {
		(&output{w: stderr}).printf("kubectl oauthclient: %v\n", err)
		return 1
	}
	p := &plugin{client: cl, namespace: ns, out: &output{w: stdout}, http: &http.Client{Timeout: 30 * time.Second}, now: time.Now, poll: time.Second}
	err = runCmd(ctx, p, positional)
	if err == nil && p.out.err != nil {
		err = fmt.Errorf("writing the output: %w", p.out.err)
	}
	if err != nil {
		(&output{w: stderr}).printf("kubectl oauthclient %s: %v\n", cmd.name, err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

// errUsage marks a wrongly called command.
var errUsage = errors.New("usage")

// parseInterspersed parses flags before, between and after positional
// arguments, as kubectl does (`rotate billing -n team-a`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// oneName is the NAME argument of a command that needs exactly one.
func oneName(args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("%w: want one OAuthClient NAME, got %d arguments", errUsage, len(args))
	}
	return args[0], nil
}
