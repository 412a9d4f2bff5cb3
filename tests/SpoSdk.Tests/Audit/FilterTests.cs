using SpoSdk.Audit;
using SpoSdk.Audit.Filtering;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>test-vectors.md §1.2: <c>GetEnricherFilters</c> and <c>ApplyEnricherFilters</c>, and the e2e filter scenario.</summary>
public sealed class FilterTests
{
    [Fact]
    public void Parse_empty_array()
    {
        Assert.Empty(AuditFilterSet.Parse("[]").Filters);
        Assert.Empty(AuditFilterSet.Parse("null").Filters);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("{}")]
    [InlineData("[1]")]
    [InlineData("[{\"priority\":\"1\"}]")]
    [InlineData("[{\"priority\":1.5}]")]
    [InlineData("[{\"matchValues\":[23]}]")]
    [InlineData("[] []")]
    public void Parse_errors(string json)
    {
        Assert.Throws<FormatException>(() => AuditFilterSet.Parse(json));
        Assert.False(AuditFilterSet.TryParse(json, out var empty, out var error));
        Assert.Empty(empty.Filters);
        Assert.NotNull(error);
    }

    [Fact]
    public void Parse_one_filter_with_case_insensitive_keys_and_string_values()
    {
        var filter = Assert.Single(AuditFilterSet.Parse("""[{"priority":101, "Level":"Metadata", "matchKeys":["namespace"],"matchValues":["default"]}]""").Filters);
        Assert.Equal(101, filter.Priority);
        Assert.Equal(AuditFilterLevel.Metadata, filter.Level);
        Assert.Equal(["namespace"], filter.MatchKeys);
        Assert.Equal(["default"], filter.MatchValues!);

        var syscall = Assert.Single(AuditFilterSet.Parse("""[{"priority":101, "Level":"Metadata", "matchKeys":["syscallID"],"matchValues":["23"]}]""").Filters);
        Assert.Equal(["23"], syscall.MatchValues!);

        var bare = Assert.Single(AuditFilterSet.Parse("""[{"priority":101, "Level":"Metadata"}]""").Filters);
        Assert.Empty(bare.MatchKeys);
        Assert.Null(bare.MatchValues);

        var e2e = Assert.Single(AuditFilterSet.Parse("""[{"priority":100,"level":"None","matchKeys":["syscallID"],"matchValues":["50"],"unknown":{"x":[1]}}]""").Filters);
        Assert.Equal(AuditFilterLevel.None, e2e.Level);
    }

    [Fact]
    public void Parse_keeps_and_sorts_by_priority()
    {
        var inOrder = AuditFilterSet.Parse("""[{"priority":101, "Level":"Metadata", "matchKeys":["namespace"],"matchValues":["default"]},{"priority":999, "Level":"None", "matchKeys":["msg"],"matchValues":["audit"]}]""");
        Assert.Equal([101, 999], inOrder.Filters.Select(f => f.Priority));

        var sorted = AuditFilterSet.Parse("""[{"priority":999, "Level":"None", "matchKeys":["msg"]},{"priority":101, "Level":"Metadata", "matchKeys":["resource/pod"],"matchValues":["my-pod"]}]""");
        Assert.Equal([101, 999], sorted.Filters.Select(f => f.Priority));
        Assert.Equal(["resource/pod"], sorted.Filters[0].MatchKeys);
    }

    public static TheoryData<string, Dictionary<string, object?>, string, AuditFilterLevel> ApplyVectors => new()
    {
        { "empty map, no filters", [], "[]", AuditFilterLevel.Metadata },
        { "normal map, no filters", Normal(), "[]", AuditFilterLevel.Metadata },
        { "version matches", Normal(), """[{"priority":101,"level":"None","matchKeys":["version"],"matchValues":["spo/v1_alpha"]}]""", AuditFilterLevel.None },
        { "int32 syscallID matches its string", With(Normal(), "syscallID", 50), """[{"priority":101,"level":"None","matchKeys":["syscallID"],"matchValues":["50"]}]""", AuditFilterLevel.None },
        { "no keys never match", Normal(), """[{"priority":101,"level":"None"}]""", AuditFilterLevel.Metadata },
        { "nested resource/pod", With([], "resource", new Dictionary<string, object?> { ["pod"] = "my-pod" }), """[{"priority":101,"level":"None","matchKeys":["resource/pod"],"matchValues":["my-pod"]}]""", AuditFilterLevel.None },
        { "absent key", Normal(), """[{"priority":101,"level":"None","matchKeys":["hello"]}]""", AuditFilterLevel.Metadata },
        { "requestUID present: first filter wins", With(Normal(), "requestUID", "r"), TwoFilters, AuditFilterLevel.Metadata },
        { "requestUID absent: second filter", Normal(), TwoFilters, AuditFilterLevel.None },
    };

    [Theory]
    [MemberData(nameof(ApplyVectors))]
    public void Apply_filters_as_upstream(string name, Dictionary<string, object?> map, string filters, AuditFilterLevel expected)
    {
        Assert.True(expected == AuditFilterSet.Parse(filters).Evaluate(new MapSubject(map)), name);
    }

    [Fact]
    public void Numbers_compare_numerically_and_strings_exactly()
    {
        var map = With(Normal(), "syscallID", 50);
        Assert.Equal(AuditFilterLevel.None, Filter("syscallID", "050").Evaluate(new MapSubject(map)));
        Assert.Equal(AuditFilterLevel.None, Filter("syscallID", "+50").Evaluate(new MapSubject(map)));
        Assert.Equal(AuditFilterLevel.Metadata, Filter("syscallID", " 50").Evaluate(new MapSubject(map)));
        Assert.Equal(AuditFilterLevel.Metadata, Filter("executable", "/BIN/LS").Evaluate(new MapSubject(map)));
        Assert.Equal(AuditFilterLevel.Metadata, Filter("resource", "x").Evaluate(new MapSubject(map)));
        Assert.Equal(AuditFilterLevel.None, new AuditFilterSet([new AuditFilter(1, AuditFilterLevel.None, ["resource"])]).Evaluate(new MapSubject(map)));
    }

    [Fact]
    public void Enriched_line_subject_uses_the_text_line_keys()
    {
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
        Assert.True(parser.TryParse(AuditLines.A4.Replace("syscall=56", "syscall=50", StringComparison.Ordinal), out var listen));
        var pod = new AuditEnrichment { NodeName = "n", Namespace = "default", PodName = "my-pod", ContainerName = "c" };

        // e2e: [{"priority":100,"level":"None","matchKeys":["syscallID"],"matchValues":["50"]}] hides syscallID=50.
        var e2e = AuditFilterSet.Parse("""[{"priority":100,"level":"None","matchKeys":["syscallID"],"matchValues":["50"]}]""");
        Assert.Equal(AuditFilterLevel.None, e2e.Evaluate(listen, pod));
        Assert.True(parser.TryParse(AuditLines.A4, out var clone));
        Assert.Equal(AuditFilterLevel.Metadata, e2e.Evaluate(clone, pod));

        Assert.Equal(AuditFilterLevel.None, Filter("namespace", "default").Evaluate(listen, pod));
        Assert.Equal(AuditFilterLevel.Metadata, Filter("namespace", "default").Evaluate(listen, null));
        Assert.Equal(AuditFilterLevel.None, Filter("syscallName", "listen").Evaluate(listen, pod));
        Assert.Equal(AuditFilterLevel.None, Filter("type", "seccomp").Evaluate(listen, pod));
        Assert.Equal(AuditFilterLevel.None, Filter("pid", "72503").Evaluate(listen, pod));
        Assert.Equal(AuditFilterLevel.Metadata, Filter("resource/pod", "my-pod").Evaluate(listen, pod));

        Assert.True(parser.TryParse(AuditLines.A10, out var apparmor));
        Assert.Equal(AuditFilterLevel.None, Filter("executable", "tini").Evaluate(apparmor, pod));
        Assert.Equal(AuditFilterLevel.None, Filter("profile", "profile-name").Evaluate(apparmor, pod));
        Assert.Equal(AuditFilterLevel.None, Filter("extra_info", "requested_mask='x' denied_mask='x' fsuid=65534 ouid=0").Evaluate(apparmor, pod));
        Assert.True(parser.TryParse(AuditLines.A9, out var noExtra));
        Assert.Equal(AuditFilterLevel.Metadata, new AuditFilterSet([new AuditFilter(1, AuditFilterLevel.None, ["extra_info"])]).Evaluate(noExtra, pod));

        Assert.True(parser.TryParse(AuditLines.A8, out var avc));
        Assert.Equal(AuditFilterLevel.None, Filter("perm", "read write open").Evaluate(avc, pod));
        Assert.Equal(AuditFilterLevel.None, Filter("tclass", "file").Evaluate(avc, pod));
    }

    private const string TwoFilters = """[{"priority":100,"level":"Metadata","matchKeys":["requestUID"]},{"priority":999,"level":"None","matchKeys":["version"],"matchValues":["spo/v1_alpha"]}]""";

    private static AuditFilterSet Filter(string key, string value) => new([new AuditFilter(1, AuditFilterLevel.None, [key], [value])]);

    private static Dictionary<string, object?> Normal() => new()
    {
        ["version"] = "spo/v1_alpha",
        ["auditID"] = "f0a1",
        ["executable"] = "/bin/ls",
        ["cmdLine"] = "ls",
        ["uid"] = 0L,
        ["gid"] = 0L,
        ["resource"] = null,
        ["pid"] = 1234L,
        ["node"] = null,
        ["syscalls"] = string.Empty,
        ["timestamp"] = "2025-05-07T09:55:40.000Z",
    };

    private static Dictionary<string, object?> With(Dictionary<string, object?> map, string key, object? value)
    {
        map[key] = value is int i ? (long)i : value;
        return map;
    }

    /// <summary>Upstream's <c>map[string]any</c> log map as a filter subject.</summary>
    private sealed class MapSubject(Dictionary<string, object?> map) : IAuditFilterSubject
    {
        public AuditFilterValue GetValue(ReadOnlySpan<char> key)
        {
            var slash = key.IndexOf('/');
            var head = slash < 0 ? key.ToString() : key[..slash].ToString();
            if (!map.TryGetValue(head, out var value))
            {
                return AuditFilterValue.Missing;
            }

            if (slash >= 0)
            {
                return value is Dictionary<string, object?> nested ? new MapSubject(nested).GetValue(key[(slash + 1)..]) : AuditFilterValue.Missing;
            }

            return value switch
            {
                null => AuditFilterValue.Null,
                string s => AuditFilterValue.FromString(s),
                long l => AuditFilterValue.FromInteger(l),
                _ => AuditFilterValue.Other,
            };
        }
    }
}
