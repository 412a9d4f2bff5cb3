using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Tests.Serialization;

public sealed class YamlJsonTests
{
    private static readonly string[] TrickyStrings =
    [
        "true", "123", "1.5", "-1", "", " x", "x ", "a: b", "#x", "null", "~", "on", "@self", "*", "yes", "No", "Y",
        "0x1F", "0o17", ".5", "+.5", "-.inf", ".NaN", "...", "---", "<<", "a #b", "key:", "- x", "? x", "|", "> x",
        "%x", "!x", "&x", "'", "\"", "`x", "1e3", "0123", "  ", "\n", "\n\n", " \n", "a\n", "a \nb", "\ta", "x\r\ny",
        "\u2028", "\uFEFFa", "a\u0085b", "{a: 1}", "[1]", "\\", "é", "\U0001F600",
    ];

    private static readonly string[] FuzzSeeds =
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n  labels: {app: web}\ndata:\n  k: |\n    line\n",
        "base: &b {a: 1, b: [x, y]}\nm:\n  <<: [*b, {c: 2}]\n  a: 0\nl: *b\n",
        "- a\n- - b\n  - c\n- {d: \"e\\u0041\", 'f': !!int 3}\n--- !!str x\n...\n",
        "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n!e!foo \"bar\"\n",
        "? a\n: b\n\"c\": >-\n  folded\n  text\n",
        "[1, 2.5, .inf, 0x1F, 0o7, ~, true, \"s\", 'q''q']",
        "a: &a [*a]\n*x\n? [k]\n: v\n\"\\uD800\"\n",
    ];

    public static TheoryData<string, string> ScalarResolution => new()
    {
        { "~", "null" },
        { "null", "null" },
        { "Null", "null" },
        { "NULL", "null" },
        { "", "null" },
        { "nULL", "string:nULL" },
        { "true", "bool:true" },
        { "True", "bool:true" },
        { "FALSE", "bool:false" },
        { "tRUE", "string:tRUE" },
        { "yes", "string:yes" },
        { "no", "string:no" },
        { "on", "string:on" },
        { "y", "string:y" },
        { "0", "long:0" },
        { "-17", "long:-17" },
        { "+17", "long:17" },
        { "0123", "long:123" },
        { "0123abc", "string:0123abc" },
        { "0x1F", "long:31" },
        { "0X1F", "string:0X1F" },
        { "0o17", "long:15" },
        { "0o8", "string:0o8" },
        { "1_000", "string:1_000" },
        { "9223372036854775807", "long:9223372036854775807" },
        { "-9223372036854775808", "long:-9223372036854775808" },
        { "9223372036854775808", "decimal:9223372036854775808" },
        { "0xFFFFFFFFFFFFFFFF", "decimal:18446744073709551615" },
        { "1" + new string('0', 40), "double:1E+40" },
        { "1" + new string('0', 400), "string:1" + new string('0', 400) },
        { "1e3", "double:1000" },
        { "1.5", "double:1.5" },
        { "-.5", "double:-0.5" },
        { "1.", "double:1" },
        { "6.02E+23", "double:6.02E+23" },
        { "1e400", "string:1e400" },
        { ".inf", "string:.inf" },
        { "-.Inf", "string:-.Inf" },
        { ".NaN", "string:.NaN" },
        { "1.2.3", "string:1.2.3" },
        { "\"123\"", "string:123" },
        { "'true'", "string:true" },
        { "\"~\"", "string:~" },
        { "''", "string:" },
        { "|\n  12\n", "string:12\n" },
        { ">-\n  a\n  b\n", "string:a b" },
        { "!!str 123", "string:123" },
        { "!!str", "string:" },
        { "!!int \"42\"", "long:42" },
        { "!!float 1", "double:1" },
        { "!!bool 'false'", "bool:false" },
        { "!!null ''", "null" },
        { "!!binary aGk=", "string:aGk=" },
        { "!!timestamp 2001-12-14", "string:2001-12-14" },
        { "!custom 12", "long:12" },
        { "! 12", "string:12" },
        { "apps/v1", "string:apps/v1" },
    };

    public static TheoryData<string> StringsThatMustBeQuoted => new()
    {
        "true", "123", "1.5", "-1", "", " x", "x ", "a: b", "#x", "null", "~", "on", "@self", "*", "Yes", "N",
        "0x1F", ".5", "+.5", ".inf", "-.inf", "...", "---", "<<", "a #b", "key:", "- x", "`x", "%x", "!x", "\u00A0x",
    };

    public static TheoryData<string> MultiLineStrings => new()
    {
        "a\nb",
        "a\nb\n",
        "a\nb\n\n",
        "a\nb\n\n\n",
        "a\n\n\nb\n",
        " leading\nnext\n",
        "\n leading after an empty line",
        "\n\nstarts with empty lines\n",
        "line 1\n  indented\n\ttab\n",
        "# not a comment\n- not an item\n---\n...\n",
        "key: value\n\"quoted\"\n",
    };

    [Theory]
    [MemberData(nameof(ScalarResolution))]
    public void PlainAndTaggedScalarsResolveByTheCoreSchema(string yaml, string expected)
    {
        var root = (JsonObject)Single("v: " + yaml)!;

        Assert.Equal(expected, Typed(root["v"]));
    }

    [Fact]
    public void KeysKeepTheirSourceText()
    {
        var root = (JsonObject)Single("123: a\ntrue: b\n0x1F: c\n'~': d\n\"\": e\n")!;

        Assert.Equal(new[] { "123", "true", "0x1F", "~", "" }, root.Select(property => property.Key));
    }

    [Theory]
    [InlineData("~: v")]
    [InlineData("null: v")]
    [InlineData("? \n: v")]
    [InlineData("a: &n ~\n*n : v")]
    public void NullKeysAreRejected(string yaml)
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml));

        Assert.Contains("mapping key must be a string", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("? [a]\n: b")]
    [InlineData("? {a: 1}\n: b")]
    [InlineData("{[a]: b}")]
    [InlineData("a: &s [1]\n*s : b")]
    public void ComplexKeysAreRejected(string yaml)
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml));

        Assert.Contains("complex mapping keys", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!!int abc")]
    [InlineData("!!int 1.5")]
    [InlineData("!!float .inf")]
    [InlineData("!!bool yes")]
    [InlineData("!!null 0")]
    [InlineData("!!map x")]
    [InlineData("!!str [a]")]
    [InlineData("!!seq {a: 1}")]
    public void ImpossibleTagsAreErrors(string yaml)
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("v: " + yaml));

        Assert.Equal((1, 4), (error.Line, error.Column));
        Assert.Contains("cannot be read as !!", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyDocumentsAreSkippedAndNotCounted()
    {
        const string Yaml = "# leading comment\n---\n---\na: 1\n---\n# only a comment\n---\n- x\n--- null\n---\n";

        var documents = YamlJson.ParseDocuments(Yaml);

        Assert.Equal(3, documents.Count);
        Assert.Equal((1, 4, 1), (documents[0].Index, documents[0].StartLine, documents[0].StartColumn));
        Assert.Equal("{a=long:1}", Typed(documents[0].Root));
        Assert.Equal((2, 8, 1), (documents[1].Index, documents[1].StartLine, documents[1].StartColumn));
        Assert.Equal("[string:x]", Typed(documents[1].Root));
        Assert.Equal((3, 9, 5), (documents[2].Index, documents[2].StartLine, documents[2].StartColumn));
        Assert.Null(documents[2].Root);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# just a comment\n")]
    [InlineData("---\n")]
    [InlineData("---\n...\n---\n# nothing\n")]
    [InlineData("\uFEFF")]
    public void StreamsWithoutContentHaveNoDocuments(string yaml) => Assert.Empty(YamlJson.ParseDocuments(yaml));

    [Fact]
    public void ErrorsNameTheDocumentByTheSameCount()
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("a: 1\n---\n---\nb: [1,\n"));

        Assert.Equal(2, error.DocumentIndex);
    }

    [Fact]
    public void JsonIsAcceptedAsYaml()
    {
        var root = Single("""{"a": [1, 2.5, "x", null, true, {"b": {}}], "c": -0.0}""");

        Assert.Equal("{a=[long:1,double:2.5,string:x,null,bool:true,{b={}}],c=double:-0}", Typed(root));
    }

    [Fact]
    public void ALeadingByteOrderMarkIsNotContent()
    {
        var root = (JsonObject)Single("\uFEFFa: 1\n")!;

        Assert.Equal("a", Assert.Single(root).Key);
    }

    [Fact]
    public void AliasesAreDeepCopiesOfTheirAnchor()
    {
        var root = (JsonObject)Single("base: &base\n  a: 1\n  b: [x, y]\ncopy: *base\nscalar: &s hello\nagain: *s\n")!;

        Assert.True(JsonNode.DeepEquals(root["base"], root["copy"]));
        root["copy"]!["b"]!.AsArray().Add("z");
        Assert.Equal("[string:x,string:y]", Typed(root["base"]!["b"]));
        Assert.Equal("string:hello", Typed(root["again"]));
    }

    [Fact]
    public void MergeKeysLetExplicitKeysAndEarlierSourcesWin()
    {
        const string Yaml = """
            base: &base {a: 1, b: 2}
            merged:
              <<: *base
              b: override
              c: 3
            multi:
              <<: [{a: first, z: 1}, {a: second, y: 2}]
              z: explicit
            inline:
              before: 0
              <<: &defaults {k: v}
            later: *defaults
            quoted:
              "<<": not a merge
            """;

        var root = (JsonObject)Single(Yaml)!;

        Assert.Equal("{a=long:1,b=string:override,c=long:3}", Typed(root["merged"]));
        Assert.Equal("{a=string:first,y=long:2,z=string:explicit}", Typed(root["multi"]));
        Assert.Equal("{before=long:0,k=string:v}", Typed(root["inline"]));
        Assert.Equal("{k=string:v}", Typed(root["later"]));
        Assert.Equal("{<<=string:not a merge}", Typed(root["quoted"]));
    }

    [Theory]
    [InlineData("m:\n  <<: 1\n", "merge key")]
    [InlineData("m:\n  <<: [{a: 1}, 2]\n", "merge key")]
    [InlineData("m:\n  <<: {a: 1}\n  <<: {b: 1}\n", "duplicate mapping key \"<<\"")]
    [InlineData("*x\n", "alias *x has no anchor")]
    [InlineData("a: &x 1\n---\nb: *x\n", "alias *x has no anchor")]
    [InlineData("&a [*a]\n", "recursive")]
    [InlineData("&a {k: *a}\n", "recursive")]
    public void BadAliasesAndMergesAreErrors(string yaml, string expected)
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeysAreErrorsAtTheSecondKey()
    {
        const string Yaml = "kind: Pod\nmetadata:\n  name: a\n  labels: {}\n  name: b\n";

        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(Yaml));

        Assert.Equal((5, 3, 1), (error.Line, error.Column, error.DocumentIndex));
        Assert.Equal("line 5, column 3: duplicate mapping key \"name\"", error.Message);
    }

    [Fact]
    public void DuplicateKeysInFlowMappingsAreErrors()
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("{a: 1, b: 2, a: 3}"));

        Assert.Equal((1, 14), (error.Line, error.Column));
    }

    [Fact]
    public void AliasBombsStopAtTheNodeLimit()
    {
        var yaml = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 9; level++)
        {
            var previous = "*a" + (level - 1);
            yaml.Append(CultureInfo.InvariantCulture, $"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat(previous, 9))}]\n");
        }

        // 9^10 nodes if expanded: stopping at the limit is what keeps this from running out of memory.
        var small = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml.ToString(), new YamlReadLimits { MaxNodes = 10_000 }));
        var standard = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml.ToString()));

        Assert.Contains("more than 10000 nodes", small.Message, StringComparison.Ordinal);
        Assert.Contains("more than 1000000 nodes", standard.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNodeLimitCountsEveryNodeIncludingCopies()
    {
        // The outer sequence, the anchored sequence and its two items, then the alias's copy of three nodes.
        const string Yaml = "- &a [1, 2]\n- *a\n";

        Assert.Single(YamlJson.ParseDocuments(Yaml, new YamlReadLimits { MaxNodes = 7 }));
        Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(Yaml, new YamlReadLimits { MaxNodes = 6 }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HostileNestingStopsAtTheDepthLimit(bool flow)
    {
        const int Levels = 100_000;
        var yaml = flow
            ? new string('[', Levels) + new string(']', Levels)
            : string.Concat(Enumerable.Repeat("- ", Levels)) + "x";

        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml));

        Assert.Contains("more than 256 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDepthLimitCoversAliasCopies()
    {
        var limits = new YamlReadLimits { MaxDepth = 3 };

        Assert.Single(YamlJson.ParseDocuments("[[[1]]]", limits));
        Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("[[[[1]]]]", limits));
        Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("a: &a [[1]]\nb: [*a]\n", limits));
    }

    [Fact]
    public void LimitsMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new YamlReadLimits { MaxNodes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new YamlReadLimits { MaxDepth = -1 });
    }

    [Fact]
    public void SyntaxErrorsCarryTheirPosition()
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments("a: 1\nb: \"unterminated\n"));

        Assert.Equal((2, 4, 1), (error.Line, error.Column, error.DocumentIndex));
        Assert.StartsWith("line 2, column 4: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("quoted scalar", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<YamlDotNet.Core.YamlException>(error.InnerException);
    }

    [Theory]
    [InlineData("a:\n\tb: 1")]
    [InlineData("a: 'x")]
    [InlineData("a: [1, 2")]
    [InlineData("a: b: c")]
    [InlineData("- a\nb: c")]
    [InlineData("a\0b")]
    [InlineData("\"\\uD800\"")]
    [InlineData("\"\\uDC00\\uD800\"")]
    [InlineData("\u2028!!&[")]
    [InlineData("!<> x")]
    [InlineData("-\0{\uA901\u2028%>\t?>")]
    [InlineData("%YAML 2.0\n--- a")]
    public void MalformedInputFailsWithASyntaxException(string yaml)
    {
        var error = Assert.Throws<YamlSyntaxException>(() => YamlJson.ParseDocuments(yaml));

        Assert.True(error.Line >= 1 && error.Column >= 1, error.Message);
    }

    [Theory]
    [MemberData(nameof(StringsThatMustBeQuoted))]
    public void StringsThatWouldReadAsSomethingElseAreQuoted(string text)
    {
        var yaml = YamlJson.ToYaml(new JsonObject { ["k"] = text, [text] = "v" });

        Assert.DoesNotContain("k: " + text + "\n", yaml, StringComparison.Ordinal);
        var root = (JsonObject)Single(yaml)!;
        Assert.Equal("string:" + text, Typed(root["k"]));
        Assert.Equal("string:v", Typed(root[text]));
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("apps/v1")]
    [InlineData("http://example.com/a#b")]
    [InlineData("a:b")]
    [InlineData("hello world")]
    [InlineData("it's")]
    [InlineData("x-1")]
    [InlineData("+x")]
    [InlineData(".hidden")]
    [InlineData("café")]
    public void OrdinaryStringsArePlain(string text) =>
        Assert.Equal($"{text}: {text}\n", YamlJson.ToYaml(new JsonObject { [text] = text }));

    [Theory]
    [MemberData(nameof(MultiLineStrings))]
    public void MultiLineStringsRoundTrip(string text)
    {
        var tree = new JsonObject { ["data"] = new JsonObject { ["v"] = text }, ["list"] = new JsonArray(text, new JsonObject { ["v"] = text }) };

        var yaml = YamlJson.ToYaml(tree);

        AssertSameTree(tree, Single(yaml));
    }

    [Fact]
    public void LiteralBlocksAreUsedForCleanMultiLineStrings()
    {
        var tree = new JsonObject
        {
            ["script"] = "echo hi\nexit 0\n",
            ["clipped"] = "a\nb",
            ["kept"] = "a\n\n",
            ["indented"] = " a\nb",
            ["items"] = new JsonArray("x\ny", new JsonObject { ["k"] = "p\nq\n" }),
            ["spaces"] = "a \nb",
            ["crlf"] = "a\r\nb",
        };

        const string Expected = """
            script: |
              echo hi
              exit 0
            clipped: |-
              a
              b
            kept: |+
              a

            indented: |2-
               a
              b
            items:
            - |-
              x
              y
            - k: |
                p
                q
            spaces: "a \nb"
            crlf: "a\r\nb"

            """;
        Assert.Equal(Expected, YamlJson.ToYaml(tree));
    }

    [Fact]
    public void ManifestsAreWrittenLikeKubectl()
    {
        var manifest = JsonNode.Parse("""
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "demo", "labels": {"app": "web"}, "annotations": {}},
             "spec": {"names": ["a", "b"],
                      "containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}], "args": []}],
                      "matrix": [[1, 2], [], [{"x": null}]],
                      "ratio": 0.5, "enabled": true, "nothing": null}}
            """);

        const string Expected = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: demo
              labels:
                app: web
              annotations: {}
            spec:
              names:
              - a
              - b
              containers:
              - name: c
                ports:
                - containerPort: 80
                  protocol: TCP
                args: []
              matrix:
              - - 1
                - 2
              - []
              - - x: null
              ratio: 0.5
              enabled: true
              nothing: null

            """;
        var yaml = YamlJson.ToYaml(manifest);
        Assert.Equal(Expected, yaml);
        AssertSameTree(manifest, Single(yaml));
    }

    [Fact]
    public void TopLevelValuesAreWrittenOnOneLine()
    {
        Assert.Equal("null\n", YamlJson.ToYaml(null));
        Assert.Equal("{}\n", YamlJson.ToYaml(new JsonObject()));
        Assert.Equal("[]\n", YamlJson.ToYaml(new JsonArray()));
        Assert.Equal("\"a\\nb\\n\"\n", YamlJson.ToYaml("a\nb\n"));
        Assert.Equal("\"...\"\n", YamlJson.ToYaml("..."));
        Assert.Equal("- 1\n- - 2\n", YamlJson.ToYaml(new JsonArray(1, new JsonArray(2))));
    }

    [Fact]
    public void NumbersKeepTheirKind()
    {
        var tree = new JsonObject
        {
            ["double"] = 1.0,
            ["big"] = 1e20,
            ["negativeZero"] = -0.0,
            ["single"] = 0.1f,
            ["decimal"] = 1.50m,
            ["parsed"] = JsonNode.Parse("1.0"),
            ["long"] = long.MinValue,
            ["nan"] = double.NaN,
            ["infinity"] = double.NegativeInfinity,
        };

        Assert.Equal(
            "double: 1.0\nbig: 1E+20\nnegativeZero: -0.0\nsingle: 0.1\ndecimal: 1.50\nparsed: 1.0\nlong: -9223372036854775808\nnan: .nan\ninfinity: -.inf\n",
            YamlJson.ToYaml(tree));
    }

    [Fact]
    public void ValuesThatWrapOtherStringTypesAreWrittenAsStrings()
    {
        var tree = new JsonObject { ["id"] = JsonValue.Create(Guid.Empty), ["letter"] = JsonValue.Create('x') };

        Assert.Equal("{id=string:00000000-0000-0000-0000-000000000000,letter=string:x}", Typed(Single(YamlJson.ToYaml(tree))));
    }

    [Fact]
    public void LongKeysUseTheExplicitForm()
    {
        var plain = new string('k', 1025);
        var quoted = new string('\u0001', 300);
        var tree = new JsonObject
        {
            [new string('k', 1024)] = 1L,
            [plain] = new JsonArray(1L),
            [quoted] = new JsonObject { ["a"] = 1L },
            ["list"] = new JsonArray(new JsonObject { [plain] = "v", ["b"] = 2L }),
        };

        var yaml = YamlJson.ToYaml(tree);

        Assert.StartsWith(new string('k', 1024) + ": 1\n? " + plain + "\n:\n- 1\n", yaml, StringComparison.Ordinal);
        AssertSameTree(tree, Single(yaml));
    }

    [Fact]
    public void StreamsSeparateDocuments()
    {
        var yaml = YamlJson.ToYamlStream([new JsonObject { ["a"] = 1 }, null, new JsonArray("x")]);

        Assert.Equal("a: 1\n---\nnull\n---\n- x\n", yaml);
        Assert.Equal(new[] { "{a=long:1}", "null", "[string:x]" }, YamlJson.ParseDocuments(yaml).Select(document => Typed(document.Root)));
        Assert.Equal(string.Empty, YamlJson.ToYamlStream([]));
    }

    [Fact]
    public void RandomTreesRoundTrip()
    {
        var random = new Random(20_240_611);
        var trees = new List<JsonNode?>();
        for (var i = 0; i < 2_000; i++)
        {
            var tree = RandomNode(random, depth: 0);
            AssertSameTree(tree, Single(YamlJson.ToYaml(tree)));
            trees.Add(tree);
        }

        var documents = YamlJson.ParseDocuments(YamlJson.ToYamlStream(trees.Take(100)));
        Assert.Equal(100, documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            AssertSameTree(trees[i], documents[i].Root);
        }
    }

    [Fact]
    public void RandomInputOnlyEverFailsWithSyntaxExceptions()
    {
        var random = new Random(7);
        const string Alphabet = "-?:,[]{}#&*!|>'\"%@`<~ \t\n\r\\abc019.eExo+\0\uFEFF\uD800\uDC00\u2028\u0085";
        for (var i = 0; i < 5_000; i++)
        {
            var input = (i % 3) switch
            {
                0 => RandomText(random, Alphabet, random.Next(0, 40)),
                1 => Mutate(random, FuzzSeeds[random.Next(FuzzSeeds.Length)]),
                _ => new string([.. Enumerable.Range(0, random.Next(0, 20)).Select(_ => (char)random.Next(0, 0x10000))]),
            };
            var limits = i % 5 == 0 ? new YamlReadLimits { MaxNodes = 20, MaxDepth = 3 } : null;
            try
            {
                YamlJson.ParseDocuments(input, limits);
            }
            catch (YamlSyntaxException error)
            {
                Assert.True(error.Line >= 1 && error.Column >= 1 && error.DocumentIndex >= 1, error.Message);
            }
            catch (Exception error)
            {
                Assert.Fail($"Input {Escape(input)} threw {error}");
            }
        }
    }

    private static JsonNode? Single(string yaml) => Assert.Single(YamlJson.ParseDocuments(yaml)).Root;

    // DeepEquals compares numbers by value (1.0 equals 1), so the typed rendering also checks each value kept its kind.
    private static void AssertSameTree(JsonNode? expected, JsonNode? actual)
    {
        Assert.Equal(Typed(expected), Typed(actual));
        Assert.True(JsonNode.DeepEquals(expected, actual));
    }

    private static string Typed(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject mapping => "{" + string.Join(",", mapping.Select(property => property.Key + "=" + Typed(property.Value))) + "}",
        JsonArray sequence => "[" + string.Join(",", sequence.Select(Typed)) + "]",
        JsonValue value when value.TryGetValue(out string? text) => "string:" + text,
        JsonValue value when value.TryGetValue(out long integer) => "long:" + integer.ToString(CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue(out double number) => "double:" + number.ToString("R", CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue(out decimal number) => "decimal:" + number.ToString(CultureInfo.InvariantCulture),
        JsonValue value when value.TryGetValue(out bool flag) => flag ? "bool:true" : "bool:false",
        JsonValue value when value.TryGetValue(out Guid id) => "string:" + id,
        JsonValue value when value.TryGetValue(out char letter) => "string:" + letter,
        _ => "json:" + node.ToJsonString(),
    };

    private static JsonNode? RandomNode(Random random, int depth)
    {
        var choice = random.Next(depth >= 4 ? 6 : 9);
        switch (choice)
        {
            case 0:
                return null;
            case 1:
                return random.Next(2) == 0;
            case 2:
                return random.Next(4) == 0 ? long.MinValue + random.Next(3) : random.NextInt64(long.MinValue, long.MaxValue);
            case 3:
                return RandomDouble(random);
            case 4 or 5:
                return RandomString(random);
            case 6:
                var sequence = new JsonArray();
                for (var i = random.Next(0, 5); i > 0; i--)
                {
                    sequence.Add(RandomNode(random, depth + 1));
                }

                return sequence;
            default:
                var mapping = new JsonObject();
                for (var i = random.Next(0, 5); i > 0; i--)
                {
                    mapping[RandomString(random)] = RandomNode(random, depth + 1);
                }

                return mapping;
        }
    }

    private static double RandomDouble(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                return random.Next(-1000, 1000);
            case 1:
                return Math.Round((random.NextDouble() - 0.5) * 1000, 3);
            default:
                double value;
                do
                {
                    value = BitConverter.Int64BitsToDouble(random.NextInt64());
                }
                while (!double.IsFinite(value));

                return value;
        }
    }

    private static string RandomString(Random random)
    {
        const string Punctuation = "abcxyz019-:#'\"!&*|>.~{}[],?%@`\\";
        switch (random.Next(6))
        {
            case 0 or 1:
                return TrickyStrings[random.Next(TrickyStrings.Length)];
            case 2:
                return RandomLines(random);
        }

        var builder = new StringBuilder();
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            switch (random.Next(7))
            {
                case 0:
                    builder.Append('\n');
                    break;
                case 1:
                    builder.Append(' ');
                    break;
                case 2:
                    builder.Append((char)random.Next(0, 0x20));
                    break;
                case 3:
                    builder.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000)));
                    break;
                case 4:
                    builder.Append((char)random.Next(0x7F, 0x10000)); // C1 controls, lone surrogates, U+2028, U+FEFF, U+FFFE...
                    break;
                default:
                    builder.Append(Punctuation[random.Next(Punctuation.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }

    // Text a literal block can hold: lines, some empty or indented, and any number of final line breaks.
    private static string RandomLines(Random random)
    {
        var lines = Enumerable.Range(0, random.Next(1, 5))
            .Select(_ => random.Next(4) == 0 ? string.Empty : new string(' ', random.Next(3)) + RandomText(random, "ab #:-|>\"'é", random.Next(1, 8)).Trim());
        return string.Join('\n', lines) + new string('\n', random.Next(4));
    }

    private static string RandomText(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    private static string Mutate(Random random, string seed)
    {
        var text = new StringBuilder(seed);
        for (var edits = random.Next(1, 5); edits > 0; edits--)
        {
            var at = random.Next(text.Length + 1);
            var fragment = RandomText(random, "-?:,[]{}#&*!|>'\"%@ \t\n\\<~", random.Next(1, 4));
            switch (random.Next(3))
            {
                case 0:
                    text.Insert(at, fragment);
                    break;
                case 1 when at < text.Length:
                    text.Remove(at, Math.Min(random.Next(1, 6), text.Length - at));
                    break;
                default:
                    text.Insert(at, seed.AsSpan(random.Next(seed.Length)));
                    break;
            }
        }

        return text.ToString();
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
