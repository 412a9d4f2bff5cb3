using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SpoSdk.AspNetCore.Tls;

/// <summary>
/// A serving certificate read from PEM files — cert-manager's Secret layout, <c>tls.crt</c> (leaf
/// first, then any intermediates) and <c>tls.key</c> — and read again when they change, without a
/// restart. Each TLS handshake asks for <see cref="GetContext"/>; at most once per
/// <see cref="CheckInterval"/> that compares the files' bytes with what was loaded.
/// </summary>
/// <remarks>
/// Comparing content rather than watching for file events is deliberate: Kubernetes updates a
/// mounted Secret by swapping a <c>..data</c> symlink, which file watchers report unreliably (or not at
/// all through the symlinked names), while two small reads a second cost nothing. A rotation caught
/// half way (new certificate, old key) fails to load and the current certificate stays in service
/// until the next check sees a consistent pair.
/// </remarks>
public sealed class ReloadingCertificate
{
    /// <summary>cert-manager's certificate file name.</summary>
    public const string DefaultCertificateFile = "tls.crt";

    /// <summary>cert-manager's key file name.</summary>
    public const string DefaultKeyFile = "tls.key";

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private byte[] _certificateBytes;
    private byte[] _keyBytes;
    private SslStreamCertificateContext _context;
    private X509Certificate2 _leaf;
    private long _nextCheck;

    /// <summary>Loads the pair; throws when it cannot (a webhook without a certificate must not start).</summary>
    /// <param name="certificatePath">The PEM certificate chain.</param>
    /// <param name="keyPath">The PEM private key.</param>
    /// <param name="checkInterval">How often handshakes look for new files; default one second.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Logging.</param>
    public ReloadingCertificate(string certificatePath, string keyPath, TimeSpan? checkInterval = null, TimeProvider? time = null, ILogger<ReloadingCertificate>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        CheckInterval = checkInterval ?? TimeSpan.FromSeconds(1);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _certificateBytes = File.ReadAllBytes(certificatePath);
        _keyBytes = File.ReadAllBytes(keyPath);
        (_leaf, _context) = Load(_certificateBytes, _keyBytes);
        _nextCheck = _time.GetTimestamp() + Ticks(CheckInterval);
    }

    /// <summary>Loads <c>tls.crt</c> and <c>tls.key</c> from a directory (a mounted cert-manager Secret).</summary>
    public static ReloadingCertificate FromDirectory(string directory, TimeSpan? checkInterval = null, TimeProvider? time = null, ILogger<ReloadingCertificate>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return new ReloadingCertificate(Path.Combine(directory, DefaultCertificateFile), Path.Combine(directory, DefaultKeyFile), checkInterval, time, logger);
    }

    /// <summary>The certificate file.</summary>
    public string CertificatePath { get; }

    /// <summary>The key file.</summary>
    public string KeyPath { get; }

    /// <summary>How often a handshake looks for new files.</summary>
    public TimeSpan CheckInterval { get; }

    /// <summary>The leaf certificate in service (after any due check).</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            GetContext();
            lock (_gate)
            {
                return _leaf;
            }
        }
    }

    /// <summary>The certificate context for the next handshake, reloaded first when the files changed.</summary>
    public SslStreamCertificateContext GetContext()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (now < _nextCheck)
            {
                return _context;
            }

            _nextCheck = now + Ticks(CheckInterval);
            try
            {
                var certificate = File.ReadAllBytes(CertificatePath);
                var key = File.ReadAllBytes(KeyPath);
                if (certificate.AsSpan().SequenceEqual(_certificateBytes) && key.AsSpan().SequenceEqual(_keyBytes))
                {
                    return _context;
                }

                var (leaf, context) = Load(certificate, key);
                (_certificateBytes, _keyBytes, _leaf, _context) = (certificate, key, leaf, context);
                _logger.LogInformation("Loaded the rotated serving certificate {Subject}, valid until {NotAfter}", leaf.Subject, leaf.NotAfter);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                _logger.LogWarning(ex, "The serving certificate files changed but do not load yet; keeping the current certificate");
            }

            return _context;
        }
    }

    private long Ticks(TimeSpan interval) => (long)(interval.TotalSeconds * _time.TimestampFrequency);

    private static (X509Certificate2 Leaf, SslStreamCertificateContext Context) Load(byte[] certificatePem, byte[] keyPem)
    {
        var certificateText = System.Text.Encoding.ASCII.GetString(certificatePem);
        var keyText = System.Text.Encoding.ASCII.GetString(keyPem);
        using var ephemeral = X509Certificate2.CreateFromPem(certificateText, keyText);

        // A PEM-born key is ephemeral; SslStream on some platforms needs a persisted one, and a PKCS#12
        // round trip gives that everywhere.
        var leaf = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificateText);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in chain)
        {
            if (certificate.Thumbprint != leaf.Thumbprint)
            {
                intermediates.Add(certificate);
            }
        }

        return (leaf, SslStreamCertificateContext.Create(leaf, intermediates, offline: true));
    }
}
