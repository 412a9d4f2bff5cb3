using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SpoSdk.Api.Naming;
using SpoSdk.AspNetCore.Health;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.AspNetCore.Tls;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Hosting;

namespace HostedOperatorSample;

/// <summary>
/// The sample's whole run: the operator and its webhooks in one ASP.NET Core application, the
/// manifests folder applied and watched, and the status table printed whenever it changes.
/// Exit codes: 0 done, 1 failed (or a profile ended in Error with <c>--once</c>), 2 bad command line.
/// </summary>
public static class HostedOperatorApp
{
    // How long the operator's queues must be quiet before the table is read.
    private static readonly TimeSpan Settled = TimeSpan.FromMilliseconds(500);

    // How long the manifests folder must be quiet before a change is applied.
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    /// <summary>Runs the sample with <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        HostedOperatorOptions options;
        try
        {
            options = HostedOperatorOptions.Parse(args, Path.Combine(FindRepository(), "samples", "manifests"), Path.Combine(Environment.CurrentDirectory, ".spo", "node"));
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }

        if (options.Help)
        {
            await output.WriteLineAsync(HostedOperatorOptions.Usage);
            return 0;
        }

        try
        {
            return await RunAsync(options, output, TextWriter.Synchronized(error));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await error.WriteLineAsync("error: " + Describe(ex));
            if (options.Verbose)
            {
                await error.WriteLineAsync(ex.ToString());
            }

            return 1;
        }
    }

    private static async Task<int> RunAsync(HostedOperatorOptions options, TextWriter output, TextWriter error)
    {
        if (options.Manifests is { } folder && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException("manifests folder " + folder + " does not exist");
        }

        await using var cluster = await OperatorCluster.ConnectAsync(options, CancellationToken.None);
        var app = Build(options, cluster);
        await using (app)
        {
            var spo = app.Services.GetRequiredService<SpoOperator>();
            var table = new StatusTable(app.Services.GetRequiredService<InformerFactory>(), new NodePaths(), profilesOnly: options.Role == "daemon");
            await app.StartAsync();
            var stopping = app.Lifetime.ApplicationStopping;
            await output.WriteLineAsync("cluster: " + cluster.Description);
            foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Order(StringComparer.Ordinal))
            {
                await output.WriteLineAsync(options.Role == "daemon"
                    ? "listening: " + address
                    : "webhooks: " + address + " (" + ConversionEndpoint.DefaultPattern + ", " + SpoSdk.Admission.SpoWebhooks.BindingPath + ", ...)");
            }

            // When the cluster last changed: once idle, the moment everything had converged.
            var lastChange = DateTime.UtcNow;

            // Coalesced: a burst of changes is one redraw.
            var redraw = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            table.Changed += () =>
            {
                lastChange = DateTime.UtcNow;
                redraw.Writer.TryWrite(true);
            };
            using var sync = options.Manifests is { } manifests ? new ManifestFolderSync(cluster.Backend, manifests, error, TimeProvider.System, Debounce) : null;
            var badFiles = 0;
            if (sync is not null)
            {
                sync.Changed += () => redraw.Writer.TryWrite(true);
                badFiles = await sync.SyncAsync(stopping);
            }

            await spo.WaitForIdleAsync(Settled, stopping);
            var rows = table.Rows();
            var printed = StatusTable.Render(rows, options.NodeRoot);
            await output.WriteAsync(printed);
            await output.WriteLineAsync("\n" + Converged(lastChange));
            await output.FlushAsync(stopping);
            if (options.Once)
            {
                await app.StopAsync(CancellationToken.None);
                if (badFiles > 0)
                {
                    await error.WriteLineAsync("error: " + badFiles + " manifest file(s) have errors");
                }

                return StatusTable.HasErrors(rows) || badFiles > 0 ? 1 : 0;
            }

            sync?.StartWatching(stopping);
            await output.WriteLineAsync((sync is null ? "Operator running" : "Watching " + sync.Folder) + "; press Ctrl+C to stop.");
            await output.FlushAsync(stopping);
            try
            {
                while (await redraw.Reader.WaitToReadAsync(stopping))
                {
                    await spo.WaitForIdleAsync(Settled, stopping);
                    redraw.Reader.TryRead(out _);
                    var now = StatusTable.Render(table.Rows(), options.NodeRoot);
                    if (now != printed)
                    {
                        printed = now;
                        await output.WriteAsync("\n" + now);
                        await output.FlushAsync(stopping);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: the host stops below.
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        }
    }

    private static WebApplication Build(HostedOperatorOptions options, OperatorCluster cluster)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // stdout carries the table; logs go to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Information : LogLevel.Warning);

        // A failed start (a port in use) reaches the user as the one error line; the host's own
        // report of it, stack trace and all, only with --verbose.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", options.Verbose ? LogLevel.Information : LogLevel.None);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);

        var certificate = options.TlsCertificate is { } cert ? new ReloadingCertificate(cert, options.TlsKey!) : null;
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var url in options.Urls)
            {
                // Checked by the options: https URLs have a certificate, plain http ones are loopback.
                kestrel.Listen(url.Address, url.Port, listen => _ = url.IsHttps ? listen.UseSpoWebhookTls(certificate!) : listen);
            }
        });

        builder.Services.AddSecurityProfilesOperator(spo =>
        {
            spo.UseBackend(_ => cluster.Backend).WithNodeRoot(options.NodeRoot);
            if (cluster.IsEmbedded)
            {
                spo.WithNodeName("local-node");
            }

            _ = options.Role switch
            {
                "manager" => spo.ManagerOnly(),
                "daemon" => spo.DaemonOnly(),
                _ => spo,
            };
            spo.AddSeccomp().AddSelinux().AddAppArmor().AddRecording();
            if (options.Role != "manager")
            {
                // The enricher reads the node's audit log: daemon role only.
                spo.AddLogEnricher(enricher => enricher.ProcRoot = options.ProcRoot ?? enricher.ProcRoot);
            }
        });

        // The webhooks belong to the manager role: a daemon-only process serves none.
        var webhooks = options.Role != "daemon";
        if (webhooks)
        {
            builder.Services.AddSpoWebhooks();
        }

        // Every role serves its metrics (/metrics-spod, /metrics) and probes (/healthz, /readyz).
        builder.Services.AddSpoMetrics();
        builder.Services.AddSpoHealthChecks();

        var app = builder.Build();
        if (webhooks)
        {
            app.MapSpoWebhooks();
        }

        app.MapSpoMetrics();
        app.MapSpoHealth();
        return app;
    }

    // Process start to the last change before the operator went idle (the first converged reconcile),
    // and the memory it holds then.
    private static string Converged(DateTime lastChange)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var seconds = (lastChange - process.StartTime.ToUniversalTime()).TotalSeconds;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"converged {seconds:0.00} s after process start; working set {process.WorkingSet64 / (1024 * 1024)} MiB");
    }

    // One line for the user: the message, and the inner reason when the outer one only wraps it.
    private static string Describe(Exception ex) =>
        ex is IOException { InnerException: { } inner } && ex.Message.StartsWith("Failed to bind", StringComparison.Ordinal)
            ? ex.Message + " (" + inner.Message + ")"
            : ex.Message;

    // The samples live in the repository; find it from the build output, else from here.
    private static string FindRepository()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SpoSdk.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
