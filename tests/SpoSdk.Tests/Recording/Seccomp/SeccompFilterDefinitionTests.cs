using System.Text.Json.Nodes;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Seccomp;

namespace SpoSdk.Tests.Recording.Seccomp;

/// <summary>Reading filters from profiles and raw runtime-spec JSON.</summary>
public sealed class SeccompFilterDefinitionTests
{
    [Fact]
    public void FromSpec_CarriesEveryField()
    {
        var spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            BaseProfileName = "runc-v1.4.2",
            Architectures = [SeccompArchitecture.ScmpArchX8664],
            Flags = [SeccompFlag.SeccompFilterFlagLog],
            Syscalls =
            [
                new SeccompProfileSyscall
                {
                    Names = ["personality"],
                    Action = SeccompAction.ScmpActAllow,
                    ErrnoRet = 5,
                    Args = [new SeccompProfileSyscallArg { Index = 0, Value = -1, ValueTwo = 8, Op = SeccompOperator.ScmpCmpMaskedEq }],
                },
            ],
        };

        var definition = SeccompFilterDefinition.FromSpec(spec);

        Assert.Equal("SCMP_ACT_ERRNO", definition.DefaultAction);
        Assert.Equal("runc-v1.4.2", definition.BaseProfileName);
        Assert.Equal(["SCMP_ARCH_X86_64"], definition.Architectures);
        Assert.Equal(["SECCOMP_FILTER_FLAG_LOG"], definition.Flags);
        var rule = Assert.Single(definition.Rules);
        Assert.Equal(5u, rule.ErrnoRet);
        var arg = Assert.Single(rule.Args);
        Assert.Equal(ulong.MaxValue, arg.Value);
        Assert.Equal("SCMP_CMP_MASKED_EQ", arg.Op);
    }

    [Fact]
    public void FromRawJson_ReadsTheRuntimeSpecForm()
    {
        var json = JsonNode.Parse("""
            {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],
             "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW","args":[{"index":2,"value":18446744073709551615,"op":"SCMP_CMP_LE"}]}],
             "listenerPath":"/x"}
            """)!.AsObject();

        var definition = SeccompFilterDefinition.FromRawJson(json);

        Assert.Equal(38u, definition.DefaultErrnoRet);
        Assert.Equal(["read", "write"], definition.Rules[0].Names);
        Assert.Equal(ulong.MaxValue, definition.Rules[0].Args[0].Value);
        Assert.Equal(definition.ToTransportJson(), SeccompFilterDefinition.FromTransportJson(definition.ToTransportJson()).ToTransportJson());
    }

    [Theory]
    [InlineData("""{"syscalls":[]}""", "$.defaultAction: required")]
    [InlineData("""{"defaultAction":1}""", "$.defaultAction: must be a string")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","errnoRet":-1}]}""", "$.syscalls[0].errnoRet: must be a non-negative integer")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","args":[{"index":0}]}]}""", "$.syscalls[0].args[0].op: required")]
    public void FromRawJson_ReportsWrongShapes(string text, string message)
    {
        var error = Assert.Throws<SeccompFilterException>(() => SeccompFilterDefinition.FromRawJson(JsonNode.Parse(text)!.AsObject()));
        Assert.Equal(message, error.Message);
    }
}
