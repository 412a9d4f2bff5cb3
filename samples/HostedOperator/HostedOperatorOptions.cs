using System.Net;

namespace HostedOperatorSample;

/// <summary>One address the webhook server listens on, from <c>--urls</c>.</summary>
/// <param name="Url">The URL as given.</param>
/// <param name="Address">The IP address to bind (<c>localhost</c> is 127.0.0.1, <c>*</c>, <c>+</c> and <c>0.0.0.0</c> are any).</param>
/// <param name="Port">The port; 0 lets the system pick a free one (the address actually bound is printed).</param>
/// <param name="IsHttps">Whether the listener serves TLS (needs <c>--tls-cert</c> and <c>--tls-key</c>).</param>
public sealed record ListenUrl(string Url, IPAddress Address, int Port, bool IsHttps);

/// <summary>The sample's command line.</summary>
/// <param name="Manifests">The folder whose manifests are applied and watched; null for none.</param>
/// <param name="NodeRoot">Where the daemon role writes node files (profiles, policies).</param>
/// <param name="Once">Converge, print the table and exit (1 when any profile ends in Error).</param>
/// <param name="Urls">Where the webhooks (conversion and admission) are served.</param>
/// <param name="Kubeconfig">A real cluster to run against; null for the embedded in-memory cluster.</param>
/// <param name="TlsCertificate">The PEM certificate chain for https:// URLs.</param>
/// <param name="TlsKey">The PEM private key for https:// URLs.</param>
/// <param name="ServeApiKubeconfig">
/// With the embedded cluster: serve its Kubernetes API on 127.0.0.1 and write a kubeconfig for it
/// here, so kubectl and the TypedClient sample can talk to the running operator.
/// </param>
/// <param name="InCluster">Run against the cluster this pod is in (service account credentials).</param>
/// <param name="Role">Which roles this process plays: <c>all</c> (default), <c>manager</c> or <c>daemon</c>.</param>
/// <param name="ProcRoot">Where the log enricher reads processes (the host's /proc mounted elsewhere in a pod).</param>
/// <param name="Verbose">Log at Information and print whole exceptions, not only their message.</param>
/// <param name="Help">Print the usage and exit.</param>
public sealed record HostedOperatorOptions(
    string? Manifests,
    string NodeRoot,
    bool Once,
    IReadOnlyList<ListenUrl> Urls,
    string? Kubeconfig,
    string? TlsCertificate,
    string? TlsKey,
    string? ServeApiKubeconfig,
    bool InCluster,
    string Role,
    string? ProcRoot,
    bool Verbose,
    bool Help)
{
    /// <summary>The webhook address when <c>--urls</c> is not given.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8443";

    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage =
        "usage: HostedOperator [--manifests DIR] [--node-root DIR] [--once] [--urls URL[;URL]]\n" +
        "                      [--tls-cert FILE --tls-key FILE] [--role all|manager|daemon] [--proc-root DIR]\n" +
        "                      [--kubeconfig PATH | --in-cluster | --serve-api KUBECONFIG] [--verbose] [--help]\n" +
        "  Hosts the Security Profiles Operator (manager and daemon roles) in this process, applies the\n" +
        "  manifests in DIR (default: samples/manifests), installs the profiles under the node root\n" +
        "  (default: ./.spo/node), serves the conversion and admission webhooks, prints what it installed\n" +
        "  and each profile's status, and keeps the cluster in step with DIR until Ctrl+C.\n" +
        "  --once              converge, print the table and exit: 0, or 1 if any profile ends in Error\n" +
        "  --urls URL          where the webhooks listen (default " + DefaultUrls + "); plain http:// only on\n" +
        "                      loopback, https:// needs --tls-cert and --tls-key; port 0 picks a free port\n" +
        "  --tls-cert FILE     PEM certificate chain (cert-manager's tls.crt), reloaded when it rotates\n" +
        "  --tls-key FILE      PEM private key (tls.key)\n" +
        "  --role ROLE         all (default), manager (cluster-wide controllers) or daemon (this node)\n" +
        "  --proc-root DIR     where the log enricher reads processes (default /proc)\n" +
        "  --kubeconfig PATH   run against that cluster instead of the embedded in-memory one; manifests\n" +
        "                      are then applied only when --manifests is given\n" +
        "  --in-cluster        as --kubeconfig, with the pod's service account\n" +
        "  --serve-api PATH    serve the embedded cluster's Kubernetes API on 127.0.0.1 and write a\n" +
        "                      kubeconfig for it to PATH (for kubectl and samples/TypedClient)\n" +
        "  --verbose           log more, and print the stack trace of a failure";

    /// <summary>
    /// Reads the arguments; <see cref="ArgumentException"/> names the one that is wrong.
    /// <paramref name="defaultManifests"/> and <paramref name="defaultNodeRoot"/> fill what is not given.
    /// </summary>
    public static HostedOperatorOptions Parse(IReadOnlyList<string> args, string defaultManifests, string defaultNodeRoot)
    {
        string? manifests = null, nodeRoot = null, urls = null, kubeconfig = null, cert = null, key = null, serveApi = null, procRoot = null;
        var role = "all";
        bool once = false, inCluster = false, verbose = false, help = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--manifests": manifests = Value(args, ref i); break;
                case "--node-root": nodeRoot = Value(args, ref i); break;
                case "--urls": urls = Value(args, ref i); break;
                case "--kubeconfig": kubeconfig = Value(args, ref i); break;
                case "--tls-cert": cert = Value(args, ref i); break;
                case "--tls-key": key = Value(args, ref i); break;
                case "--serve-api": serveApi = Value(args, ref i); break;
                case "--role": role = Value(args, ref i); break;
                case "--proc-root": procRoot = Value(args, ref i); break;
                case "--in-cluster": inCluster = true; break;
                case "--once": once = true; break;
                case "--verbose": verbose = true; break;
                case "--help" or "-h": help = true; break;
                default: throw new ArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }

        if ((cert is null) != (key is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together");
        }

        if (new[] { kubeconfig is not null, inCluster, serveApi is not null }.Count(given => given) > 1)
        {
            throw new ArgumentException("--kubeconfig, --in-cluster and --serve-api choose the cluster: give at most one");
        }

        if (role is not ("all" or "manager" or "daemon"))
        {
            throw new ArgumentException("--role is all, manager or daemon, not '" + role + "'");
        }

        var listen = help ? [] : ParseUrls(urls ?? DefaultUrls, hasCertificate: cert is not null);
        // A real cluster gets the sample manifests only when asked: it is not the embedded playground.
        var realCluster = kubeconfig is not null || inCluster;
        return new HostedOperatorOptions(
            manifests is not null ? Path.GetFullPath(manifests) : realCluster ? null : Path.GetFullPath(defaultManifests),
            Path.GetFullPath(nodeRoot ?? defaultNodeRoot),
            once,
            listen,
            kubeconfig,
            cert,
            key,
            serveApi,
            inCluster,
            role,
            procRoot,
            verbose,
            help);
    }

    // The ASP.NET Core convention: URLs separated by ';'. Kestrel would bind a host name on every
    // interface, so only IP addresses, localhost and the any-address wildcards are accepted.
    private static List<ListenUrl> ParseUrls(string urls, bool hasCertificate)
    {
        var result = new List<ListenUrl>();
        foreach (var text in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Uri refuses the '*' and '+' wildcards as hosts; read them as 0.0.0.0.
            var normalized = text.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.AbsolutePath != "/")
            {
                throw new ArgumentException("--urls " + text + " is not an http:// or https:// URL with a host and port (e.g. " + DefaultUrls + ")");
            }

            var address = uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip
                : throw new ArgumentException("--urls " + text + ": the host must be an IP address or localhost");
            var https = uri.Scheme == Uri.UriSchemeHttps;
            if (!https && !IPAddress.IsLoopback(address))
            {
                // Webhook traffic carries whole pod specs: off this host it must be encrypted.
                throw new ArgumentException("--urls " + text + " would serve plain HTTP beyond loopback; use a loopback address or https:// with --tls-cert and --tls-key");
            }

            if (https && !hasCertificate)
            {
                throw new ArgumentException("--urls " + text + " needs --tls-cert and --tls-key");
            }

            result.Add(new ListenUrl(text, address, uri.Port, https));
        }

        return result.Count > 0 ? result : throw new ArgumentException("--urls needs at least one URL");
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        if (++i >= args.Count || args[i].Length == 0)
        {
            throw new ArgumentException(name + " needs a value");
        }

        return args[i];
    }
}
