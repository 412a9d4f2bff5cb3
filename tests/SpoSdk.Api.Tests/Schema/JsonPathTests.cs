using System.Text;
using CsCheck;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Tests.Schema;

/// <summary>
/// Paths are written for people and read back by the conversion-data annotation: every path written
/// must parse back to the same segments, whatever the keys hold.
/// </summary>
public sealed class JsonPathTests
{
    [Theory]
    [InlineData("syscalls", "$.syscalls")]
    [InlineData("_x9", "$._x9")]
    [InlineData("@self", "$['@self']")]
    [InlineData("9lives", "$['9lives']")]
    [InlineData("with space", "$['with space']")]
    [InlineData("it's", "$['it\\'s']")]
    [InlineData("back\\slash", "$['back\\\\slash']")]
    [InlineData("line\nbreak\r\ttab", "$['line\\nbreak\\r\\ttab']")]
    [InlineData("bell\u0007", "$['bell\\u0007']")]
    [InlineData("", "$['']")]
    [InlineData("ü", "$['ü']")]
    public void Keys_are_dotted_when_they_are_identifiers_and_quoted_otherwise(string key, string expected)
    {
        Assert.Equal(expected, JsonPath.Property(JsonPath.Root, key));
    }

    [Fact]
    public void Indexes_and_properties_chain()
    {
        var path = JsonPath.Property(JsonPath.Index(JsonPath.Property(JsonPath.Property(JsonPath.Root, "spec"), "syscalls"), 12), "action");

        Assert.Equal("$.spec.syscalls[12].action", path);
        Assert.True(JsonPath.TryParse(path, out var segments));
        Assert.Equal(["spec", "syscalls", 12, "action"], segments);
    }

    [Fact]
    public void Builder_forms_write_the_same_paths()
    {
        var builder = new StringBuilder(JsonPath.Root);
        JsonPath.AppendProperty(builder, "allow");
        JsonPath.AppendProperty(builder, "@self");
        JsonPath.AppendIndex(builder, 0);

        Assert.Equal("$.allow['@self'][0]", builder.ToString());
    }

    [Fact]
    public void Every_written_path_parses_back_to_its_segments()
    {
        var segment = Gen.OneOf<object>(
            Gen.String.Select(s => (object)s),
            // Latin-1 with every control character, quote and backslash: the characters that need escaping.
            Gen.Char['\0', '\u00ff'].Array[0, 8].Select(chars => (object)new string(chars)),
            Gen.Int[0, 100_000].Select(i => (object)i));
        segment.Array[0, 6].Sample(segments =>
        {
            var path = JsonPath.Root;
            foreach (var s in segments)
            {
                path = s is int index ? JsonPath.Index(path, index) : JsonPath.Property(path, (string)s);
            }

            Assert.True(JsonPath.TryParse(path, out var parsed), path);
            Assert.Equal(segments, parsed);
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("")]
    [InlineData("spec")]
    [InlineData("$.")]
    [InlineData("$..spec")]
    [InlineData("$.spec-x")]
    [InlineData("$['unterminated")]
    [InlineData("$[x]")]
    [InlineData("$[-1]")]
    [InlineData("$[1")]
    [InlineData("$spec")]
    public void Anything_else_does_not_parse(string path)
    {
        Assert.False(JsonPath.TryParse(path, out _));
    }

    [Theory]
    [InlineData("bell\u0007")]
    [InlineData("\u001b[0m")]
    [InlineData("u0041")]
    [InlineData("\\u0041")]
    public void Control_characters_and_lookalikes_parse_back(string key)
    {
        Assert.True(JsonPath.TryParse(JsonPath.Property(JsonPath.Root, key), out var segments));
        Assert.Equal([key], segments);
    }

    [Fact]
    public void The_root_alone_has_no_segments()
    {
        Assert.True(JsonPath.TryParse("$", out var segments));
        Assert.Empty(segments);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("_", true)]
    [InlineData("a1_B", true)]
    [InlineData("1a", false)]
    [InlineData("a-b", false)]
    [InlineData("", false)]
    [InlineData("é", false)]
    public void Identifiers_are_ascii_letters_digits_and_underscores_not_starting_with_a_digit(string name, bool identifier)
    {
        Assert.Equal(identifier, JsonPath.IsIdentifier(name));
    }
}
