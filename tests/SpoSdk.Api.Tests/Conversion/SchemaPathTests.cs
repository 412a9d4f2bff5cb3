using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>Schema paths find every concrete place an object has, through lists and maps, present or not.</summary>
public sealed class SchemaPathTests
{
    [Theory]
    [InlineData("spec.recorder", new[] { "spec", "recorder" })]
    [InlineData("spec.syscalls[].action", new[] { "spec", "syscalls", "[]", "action" })]
    [InlineData("spec.matrix[][]", new[] { "spec", "matrix", "[]", "[]" })]
    [InlineData("spec.allow.*", new[] { "spec", "allow", "*" })]
    public void The_dotted_form_parses_and_prints_back(string text, string[] segments)
    {
        var path = SchemaPath.Parse(text);

        Assert.Equal(segments, path.Segments);
        Assert.Equal(text, path.ToString());
    }

    [Fact]
    public void A_path_needs_a_segment()
    {
        Assert.Throws<ArgumentException>(() => new SchemaPath());
    }

    [Fact]
    public void Every_list_item_is_found_with_its_concrete_path()
    {
        var root = JsonNode.Parse("""{"spec":{"syscalls":[{"action":"A"},null,{"names":["x"]}]}}""")!.AsObject();

        var places = SchemaPath.Parse("spec.syscalls[].action").Find(root).ToList();

        Assert.Equal(["$.spec.syscalls[0].action", "$.spec.syscalls[2].action"], places.Select(p => p.Path));
        Assert.Equal([true, false], places.Select(p => p.Exists));
        Assert.Equal("A", (string?)places[0].Value);
        Assert.Null(places[1].Value);
    }

    [Fact]
    public void Map_values_are_found_under_quoted_keys_when_needed()
    {
        var root = JsonNode.Parse("""{"spec":{"allow":{"var_log_t":{"file":["read"]},"@self":{"dir":["open"]}}}}""")!.AsObject();

        var places = SchemaPath.Parse("spec.allow.*").Find(root).ToList();

        Assert.Equal(["$.spec.allow.var_log_t", "$.spec.allow['@self']"], places.Select(p => p.Path));
        Assert.Equal("var_log_t", places[0].Key);
    }

    [Fact]
    public void A_path_through_the_wrong_shape_finds_nothing()
    {
        var root = JsonNode.Parse("""{"spec":{"syscalls":{"action":"A"},"allow":["x"]}}""")!.AsObject();

        Assert.Empty(SchemaPath.Parse("spec.syscalls[].action").Find(root));
        Assert.Empty(SchemaPath.Parse("spec.allow.*").Find(root));
        Assert.Empty(SchemaPath.Parse("status.state").Find(root));
    }

    [Fact]
    public void Locations_set_and_remove_in_objects_and_lists()
    {
        var root = JsonNode.Parse("""{"spec":{"containers":["a","b"],"recorder":"bpf"}}""")!.AsObject();

        var item = SchemaPath.Parse("spec.containers[]").Find(root).Last();
        item.Set("c");
        Assert.Equal("c", (string?)root["spec"]!["containers"]![1]);
        item.Remove();
        Assert.Equal(2, root["spec"]!["containers"]!.AsArray().Count);
        Assert.Null(root["spec"]!["containers"]![1]);

        var field = SchemaPath.Parse("spec.recorder").Find(root).Single();
        field.Set("logs");
        Assert.Equal("logs", (string?)root["spec"]!["recorder"]);
        field.Remove();
        Assert.False(field.Exists);
        Assert.False(root["spec"]!.AsObject().ContainsKey("recorder"));
    }
}
