using System.Net;
using System.Net.Sockets;
using System.Text;
using SpoSdk.Api.V1;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Resolution;
using SpoSdk.Oci.Trust;
using SpoSdk.Profiles.Seccomp;

namespace SpoSdk.Tests.Oci;

/// <summary>
/// Registries that stop answering: every operation ends within its deadline as a registry failure
/// (CannotPullSeccompProfile for base profiles), while the caller's own cancellation stays a cancellation.
/// </summary>
public sealed class RegistryTimeoutTests
{
    private const string ManifestHeaders = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100\r\n\r\n{";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly OciTrustPolicy Unverified = new() { DisableSignatureVerification = true };

    [Fact]
    public async Task A_registry_that_stalls_after_the_headers_fails_after_the_operation_timeout()
    {
        // HttpClient.Timeout ends at the headers; the body is what stalls here.
        using var registry = new StallingRegistry(_ => ManifestHeaders);
        using var client = new OciRegistryClient(new HttpClient { Timeout = TimeSpan.FromSeconds(1) }, new OciRegistryClientOptions { PlainHttp = true, OperationTimeout = TimeSpan.FromMilliseconds(500) }, disposeHttpClient: true);

        var error = await FailureOf(client.GetManifestAsync(OciReference.Parse(registry.Host + "/a:v1"), "v1"));

        var timedOut = Assert.IsType<OciRegistryException>(error);
        Assert.Equal("registry " + registry.Host + " timed out after 0.5 s on manifest " + registry.Host + "/a:v1", timedOut.Message);
    }

    [Fact]
    public async Task A_token_server_that_stalls_in_its_answer_fails_after_the_operation_timeout()
    {
        using var registry = new StallingRegistry(request => request.Contains("/token", StringComparison.Ordinal)
            ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            : null);
        registry.Unauthorized = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + registry.Host + "/token\",service=\"r\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        using var client = new OciRegistryClient(new HttpClient { Timeout = TimeSpan.FromSeconds(1) }, new OciRegistryClientOptions { PlainHttp = true, OperationTimeout = TimeSpan.FromMilliseconds(500) }, disposeHttpClient: true);

        var error = await FailureOf(client.GetBlobAsync(OciReference.Parse(registry.Host + "/a:v1"), new() { Digest = OciDigest.Compute("x"u8).ToString(), Size = 1 }));

        // The operation's deadline and the token fetch's own (as long, started a little later) race: whichever fires
        // first names what it was waiting for, the blob or the token server, and both name the registry.
        Assert.Contains("timed out", Assert.IsType<OciRegistryException>(error).Message, StringComparison.Ordinal);
        Assert.Contains(registry.Host, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(OciDigest.Compute("x"u8).ToString(), StringComparison.Ordinal) || error.Message.StartsWith("token server http://" + registry.Host + "/token", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task A_token_server_that_cannot_be_reached_is_a_registry_failure_naming_it()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var registry = new StallingRegistry(_ => null);
        registry.Unauthorized = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://127.0.0.1:" + port + "/token\",service=\"r\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        using var client = new OciRegistryClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, new OciRegistryClientOptions { PlainHttp = true }, disposeHttpClient: true);

        var error = await FailureOf(client.GetManifestAsync(OciReference.Parse(registry.Host + "/a:v1"), "v1"));

        var failure = Assert.IsType<OciRegistryException>(error);
        Assert.StartsWith("token server http://127.0.0.1:" + port + "/token cannot be reached", failure.Message, StringComparison.Ordinal);
        Assert.Contains(registry.Host, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        using var registry = new StallingRegistry(_ => ManifestHeaders);
        using var client = new OciRegistryClient(new HttpClient(), new OciRegistryClientOptions { PlainHttp = true, OperationTimeout = TimeSpan.FromMinutes(1) }, disposeHttpClient: true);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var error = await FailureOf(client.GetManifestAsync(OciReference.Parse(registry.Host + "/a:v1"), "v1", cancel.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_registry_timeout_is_reported_as_CannotPullSeccompProfile(bool stallInBody)
    {
        // Stalling in the body runs into the operation timeout; stalling before the headers into
        // HttpClient.Timeout, a TaskCanceledException nobody asked for.
        using var registry = new StallingRegistry(_ => stallInBody ? ManifestHeaders : null);
        var options = new OciRegistryClientOptions { PlainHttp = true, OperationTimeout = stallInBody ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromMinutes(1) };
        using var client = new OciRegistryClient(new HttpClient { Timeout = TimeSpan.FromMilliseconds(500) }, options, disposeHttpClient: true);
        var resolver = new OciProfileResolver(new SpoSdk.Oci.Artifacts.OciProfileClient(client));
        var bases = new BaseProfileResolver(_ => null, new OciBaseProfileSource(resolver));
        var name = "oci://" + registry.Host + "/base:v1";

        var direct = await FailureOf(resolver.ResolveSeccompProfileAsync(name, Unverified));
        var chained = await FailureOf(bases.ResolveAsync(Leaf(name), disableSignatureVerification: true, CancellationToken.None));

        var failure = Assert.IsType<OciProfileResolutionException>(direct);
        Assert.Equal(OciResolutionFailure.Registry, failure.Failure);
        Assert.Contains("timed out", failure.Message, StringComparison.Ordinal);
        var reported = Assert.IsType<BaseProfileException>(chained);
        Assert.Equal("CannotPullSeccompProfile", reported.Reason);
        Assert.Contains("timed out", reported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_times_out_is_CannotPullSeccompProfile_and_the_callers_cancellation_is_not()
    {
        var bases = new BaseProfileResolver(_ => null, new TimingOutSource());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var timedOut = await Assert.ThrowsAsync<BaseProfileException>(() => bases.ResolveAsync(Leaf("oci://registry.example/base:v1"), true, CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bases.ResolveAsync(Leaf("oci://registry.example/base:v1"), true, cancelled.Token));

        Assert.Equal("CannotPullSeccompProfile", timedOut.Reason);
        Assert.Contains("oci://registry.example/base:v1", timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spoc_pull_reports_a_registry_timeout_as_a_registry_error()
    {
        // What HttpClient.Timeout throws when the registry does not answer in time.
        var handler = new Throwing(() => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 300 seconds elapsing.", new TimeoutException()));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await Bounded(SpoSdk.Cli.Commands.PullCommand.RunAsync(["registry.example/p:v1"], TextReader.Null, stdout, stderr, _ => null, handler));

        Assert.Equal(2, code);
        Assert.Contains("registry.example timed out", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("p:v1", stderr.ToString(), StringComparison.Ordinal);
    }

    private static SeccompProfile Leaf(string baseName) => new()
    {
        Metadata = new() { Name = "leaf", NamespaceProperty = "default" },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno, BaseProfileName = baseName },
    };

    // The exception the task ended with, or a test failure when it runs past the bound (a hang).
    private static async Task<Exception?> FailureOf(Task task)
    {
        var first = await Task.WhenAny(task, Task.Delay(Bound));
        Assert.True(first == task, "still running after " + Bound);
        return await Record.ExceptionAsync(() => task);
    }

    private static async Task<T> Bounded<T>(Task<T> task)
    {
        var first = await Task.WhenAny(task, Task.Delay(Bound));
        Assert.True(first == task, "still running after " + Bound);
        return await task;
    }

    private sealed class TimingOutSource : IOciBaseProfileSource
    {
        public Task<SeccompProfile> PullAsync(string reference, bool disableSignatureVerification, CancellationToken cancellationToken) =>
            cancellationToken.IsCancellationRequested
                ? Task.FromCanceled<SeccompProfile>(cancellationToken)
                : Task.FromException<SeccompProfile>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 300 seconds elapsing."));
    }

    private sealed class Throwing(Func<Exception> error) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(error());
    }

    /// <summary>
    /// A registry on loopback that reads a request, writes what <c>answer</c> gives for it (nothing when
    /// null) and then holds the connection open without another byte until disposed. A request without an
    /// <c>Authorization</c> header gets <see cref="Unauthorized"/> instead when that is set.
    /// </summary>
    private sealed class StallingRegistry : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<string, string?> _answer;

        public StallingRegistry(Func<string, string?> answer)
        {
            _answer = answer;
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Host => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

        public string? Unauthorized { get; set; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient connection;
                try
                {
                    connection = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = ServeAsync(connection, _stop.Token);
            }
        }

        private async Task ServeAsync(TcpClient connection, CancellationToken stop)
        {
            using var _ = connection;
            try
            {
                var stream = connection.GetStream();
                var buffer = new byte[8192];
                var read = await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false, stop);
                var request = Encoding.ASCII.GetString(buffer, 0, read);
                if (Unauthorized is { } challenge && !request.Contains("Authorization:", StringComparison.OrdinalIgnoreCase) && !request.Contains("/token", StringComparison.Ordinal))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(challenge), stop);
                    return;
                }

                if (_answer(request) is { } answer)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), stop);
                }

                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Stopped, or the client gave up.
            }
        }
    }
}
