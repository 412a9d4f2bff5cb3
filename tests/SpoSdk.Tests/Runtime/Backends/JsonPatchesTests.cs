using System.Text.Json.Nodes;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>The test server's RFC 7386 merge patch and RFC 6902 JSON patch, on the RFCs' own cases.</summary>
public sealed class JsonPatchesTests
{
    [Theory]
    [InlineData("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}")]
    [InlineData("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}")]
    [InlineData("{\"a\":\"b\"}", "{\"a\":null}", "{}")]
    [InlineData("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}")]
    [InlineData("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}")]
    [InlineData("[\"a\"]", "{\"a\":\"b\"}", "{\"a\":\"b\"}")]
    [InlineData("{\"e\":null}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"e\":null,\"a\":{\"bb\":{}}}")]
    public void Merge_patch_follows_rfc_7386(string target, string patch, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonPatches.MergePatch(JsonNode.Parse(target), JsonNode.Parse(patch))));

    [Theory]
    [InlineData("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]", "{\"foo\":\"bar\",\"baz\":\"qux\"}")]
    [InlineData("{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}")]
    [InlineData("{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":\"x\"}]", "{\"foo\":[\"bar\",\"x\"]}")]
    [InlineData("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}")]
    [InlineData("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", "{\"foo\":[\"bar\",\"baz\"]}")]
    [InlineData("{\"baz\":\"qux\"}", "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]", "{\"baz\":\"boo\"}")]
    [InlineData("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}", "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]", "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}")]
    [InlineData("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}", "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]", "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}")]
    [InlineData("{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]", "{\"a\":{\"b\":1},\"c\":{\"b\":1}}")]
    [InlineData("{\"/\":1,\"~\":2}", "[{\"op\":\"test\",\"path\":\"/~1\",\"value\":1},{\"op\":\"replace\",\"path\":\"/~0\",\"value\":3}]", "{\"/\":1,\"~\":3}")]
    [InlineData("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]", "{\"b\":2}")]
    public void Json_patch_follows_rfc_6902(string document, string patch, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonPatches.JsonPatch(JsonNode.Parse(document), JsonNode.Parse(patch))));

    [Theory]
    [InlineData("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", 422)]
    [InlineData("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", 422)]
    [InlineData("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/5\",\"value\":2}]", 422)]
    [InlineData("{\"foo\":[1]}", "[{\"op\":\"remove\",\"path\":\"/foo/01\"}]", 422)]
    [InlineData("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", 422)]
    [InlineData("{}", "[{\"op\":\"remove\",\"path\":\"/missing\"}]", 422)]
    [InlineData("{}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]", 400)]
    [InlineData("{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", 400)]
    [InlineData("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", 400)]
    [InlineData("{}", "{\"op\":\"add\"}", 400)]
    public void Json_patch_errors_say_whose_fault_they_are(string document, string patch, int code) =>
        Assert.Equal(code, Assert.ThrowsAny<ResourceException>(() => JsonPatches.JsonPatch(JsonNode.Parse(document), JsonNode.Parse(patch))).Code);
}
