using System.Buffers;
using System.Text;
using System.Text.Json;
using SpoSdk.Audit.Filtering;

namespace SpoSdk.Audit.Output;

/// <summary>Pod and container of a <see cref="JsonEnricherRecord"/> (its <c>resource</c> object).</summary>
/// <param name="Container">The container name.</param>
/// <param name="Namespace">The pod namespace.</param>
/// <param name="Pod">The pod name.</param>
public sealed record JsonEnricherResource(string Container, string Namespace, string Pod);

/// <summary>
/// One record of upstream's JSON enricher: the seccomp syscalls one process made within a flush interval.
/// Written as one line with keys in alphabetical order (Go marshals a map), e.g.
/// <c>{"auditID":"…","cmdLine":"sh -c ls /tmp","executable":"/bin/dash","gid":0,"node":{"name":"worker-1"},"pid":72503,"requestUID":"…","resource":{"container":"nginx","namespace":"default","pod":"my-pod"},"syscalls":["clone","execve"],"timestamp":"2025-04-16T05:16:56.000Z","uid":0,"version":"spo/v1_alpha"}</c>.
/// </summary>
public sealed record JsonEnricherRecord : IAuditFilterSubject
{
    /// <summary>The <c>version</c> upstream writes.</summary>
    public const string CurrentVersion = "spo/v1_alpha";

    private static readonly JsonEncodedText AuditIdName = JsonEncodedText.Encode("auditID");
    private static readonly JsonEncodedText CmdLineName = JsonEncodedText.Encode("cmdLine");
    private static readonly JsonEncodedText ExecutableName = JsonEncodedText.Encode("executable");
    private static readonly JsonEncodedText GidName = JsonEncodedText.Encode("gid");
    private static readonly JsonEncodedText NodeName = JsonEncodedText.Encode("node");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText PidName = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText RequestUidName = JsonEncodedText.Encode("requestUID");
    private static readonly JsonEncodedText ResourceName = JsonEncodedText.Encode("resource");
    private static readonly JsonEncodedText ContainerName = JsonEncodedText.Encode("container");
    private static readonly JsonEncodedText NamespaceName = JsonEncodedText.Encode("namespace");
    private static readonly JsonEncodedText PodName = JsonEncodedText.Encode("pod");
    private static readonly JsonEncodedText SyscallsName = JsonEncodedText.Encode("syscalls");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText UidName = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");

    /// <summary>A fresh UUID per record.</summary>
    public required string AuditId { get; init; }

    /// <summary><c>/proc/&lt;pid&gt;/cmdline</c> with NUL turned into space.</summary>
    public required string CmdLine { get; init; }

    /// <summary>The executable of the bucket's first line.</summary>
    public required string Executable { get; init; }

    /// <summary>The group id from the line.</summary>
    public required uint Gid { get; init; }

    /// <summary>The node name (written as <c>"node":{"name":…}</c>).</summary>
    public required string Node { get; init; }

    /// <summary>The process id.</summary>
    public required int Pid { get; init; }

    /// <summary><c>SPO_EXEC_REQUEST_UID</c> of the process; the key is left out when null.</summary>
    public string? RequestUid { get; init; }

    /// <summary>The pod and container; <c>null</c> (written as <c>"resource":null</c>) when unknown.</summary>
    public JsonEnricherResource? Resource { get; init; }

    /// <summary>The syscall names; an empty list is written as <c>null</c>, as Go marshals a nil slice.</summary>
    public required IReadOnlyList<string> Syscalls { get; init; }

    /// <summary>The first line's time, formatted by <see cref="AuditTimestamp.TryFormatIso"/>.</summary>
    public required string Timestamp { get; init; }

    /// <summary>The user id from the line.</summary>
    public required uint Uid { get; init; }

    /// <summary>The record format version.</summary>
    public string Version { get; init; } = CurrentVersion;

    /// <summary>Writes the record as one object, keys in alphabetical order.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString(AuditIdName, AuditId);
        writer.WriteString(CmdLineName, CmdLine);
        writer.WriteString(ExecutableName, Executable);
        writer.WriteNumber(GidName, Gid);
        writer.WriteStartObject(NodeName);
        writer.WriteString(NameName, Node);
        writer.WriteEndObject();
        writer.WriteNumber(PidName, Pid);
        if (RequestUid is not null)
        {
            writer.WriteString(RequestUidName, RequestUid);
        }

        if (Resource is null)
        {
            writer.WriteNull(ResourceName);
        }
        else
        {
            writer.WriteStartObject(ResourceName);
            writer.WriteString(ContainerName, Resource.Container);
            writer.WriteString(NamespaceName, Resource.Namespace);
            writer.WriteString(PodName, Resource.Pod);
            writer.WriteEndObject();
        }

        if (Syscalls.Count == 0)
        {
            writer.WriteNull(SyscallsName);
        }
        else
        {
            writer.WriteStartArray(SyscallsName);
            foreach (var syscall in Syscalls)
            {
                writer.WriteStringValue(syscall);
            }

            writer.WriteEndArray();
        }

        writer.WriteString(TimestampName, Timestamp);
        writer.WriteNumber(UidName, Uid);
        writer.WriteString(VersionName, Version);
        writer.WriteEndObject();
    }

    /// <summary>The record as one JSON line (without a line break).</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, AuditEventJson.WriterOptions))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The record's keys as upstream's filters see them, <c>resource/pod</c> and <c>node/name</c> included.</summary>
    public AuditFilterValue GetValue(ReadOnlySpan<char> key)
    {
        var slash = key.IndexOf('/');
        if (slash >= 0)
        {
            var head = key[..slash];
            var rest = key[(slash + 1)..];
            if (head.SequenceEqual("node"))
            {
                return rest.SequenceEqual("name") ? AuditFilterValue.FromString(Node) : AuditFilterValue.Missing;
            }

            if (head.SequenceEqual("resource") && Resource is not null)
            {
                return rest switch
                {
                    "container" => AuditFilterValue.FromString(Resource.Container),
                    "namespace" => AuditFilterValue.FromString(Resource.Namespace),
                    "pod" => AuditFilterValue.FromString(Resource.Pod),
                    _ => AuditFilterValue.Missing,
                };
            }

            return AuditFilterValue.Missing;
        }

        return key switch
        {
            "auditID" => AuditFilterValue.FromString(AuditId),
            "cmdLine" => AuditFilterValue.FromString(CmdLine),
            "executable" => AuditFilterValue.FromString(Executable),
            "gid" => AuditFilterValue.FromInteger(Gid),
            "node" => AuditFilterValue.Other,
            "pid" => AuditFilterValue.FromInteger(Pid),
            "requestUID" when RequestUid is not null => AuditFilterValue.FromString(RequestUid),
            "resource" => Resource is null ? AuditFilterValue.Null : AuditFilterValue.Other,
            "syscalls" => AuditFilterValue.Other,
            "timestamp" => AuditFilterValue.FromString(Timestamp),
            "uid" => AuditFilterValue.FromInteger(Uid),
            "version" => AuditFilterValue.FromString(Version),
            _ => AuditFilterValue.Missing,
        };
    }
}
