using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Translators;
using SpoSdk.Translators.Selinux;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Translators.Selinux;

/// <summary>
/// Object2CIL (obj2cil_test.go, V1..V17), the SelinuxProfile handler's validation
/// (selinuxprofile_test.go, test-vectors §1.6.3), the spec samples, and hostile inputs; every CIL the
/// translator accepts is compiled with the real secilc.
/// </summary>
public sealed class SelinuxProfileCilTranslatorTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Dictionary<string, IList<string>> ErrorloggerVarLog = new()
    {
        ["dir"] = ["open", "read", "getattr", "lock", "search", "ioctl", "add_name", "remove_name", "write"],
        ["file"] = ["getattr", "read", "write", "append", "ioctl", "lock", "map", "open", "create"],
        ["sock_file"] = ["getattr", "read", "write", "append", "open"],
    };

    private readonly SecilcHarness _secilc = new(output);

    public void Dispose() => _secilc.Dispose();

    [Fact]
    public async Task V1_errorlogger_with_system_inheritance()
    {
        var profile = Profile("foo-bar", [System("container")], new() { ["var_log_t"] = ErrorloggerVarLog });

        var cil = Translate(profile);

        Assert.Equal(
            """
            (block foo-bar
            (blockinherit container)
            (allow process var_log_t ( dir ( add_name getattr ioctl lock open read remove_name search write )))
            (allow process var_log_t ( file ( append create getattr ioctl lock map open read write )))
            (allow process var_log_t ( sock_file ( append getattr open read write )))
            )

            """,
            cil);
        await CompileAsync(cil);
    }

    [Fact]
    public async Task V2_self_becomes_the_profile_process_type_and_sorts_first()
    {
        var profile = Profile("test-selinux-recording-nginx", null, new()
        {
            ["http_port_t"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["name_bind"] },
            ["node_t"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["name_bind"] },
            ["proc_t"] = new Dictionary<string, IList<string>> { ["filesystem"] = ["associate"] },
            ["@self"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["listen"] },
        });

        var cil = Translate(profile);

        Assert.Equal(
            """
            (block test-selinux-recording-nginx
            (blockinherit container)
            (allow process test-selinux-recording-nginx.process ( tcp_socket ( listen )))
            (allow process http_port_t ( tcp_socket ( name_bind )))
            (allow process node_t ( tcp_socket ( name_bind )))
            (allow process proc_t ( filesystem ( associate )))
            )

            """,
            cil);
        await CompileAsync(cil);
    }

    [Fact]
    public async Task V3_profile_inherit_replaces_container()
    {
        var parent = Profile("foo", null, new() { ["var_log_t"] = new Dictionary<string, IList<string>> { ["file"] = ["read"] } });
        var profile = Profile("test-selinux-recording-nginx", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "foo")], new()
        {
            ["http_port_t"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["name_bind"] },
        });

        var cil = Translate(profile, find: Find(parent));

        Assert.Equal("(block test-selinux-recording-nginx\n(blockinherit foo)\n(allow process http_port_t ( tcp_socket ( name_bind )))\n)\n", cil);
        Assert.DoesNotContain("(blockinherit container)", cil, StringComparison.Ordinal);
        await CompileAsync(Translate(parent), cil);
    }

    [Fact]
    public async Task V4_permissive_adds_typepermissive_after_the_inherits()
    {
        var profile = Profile("foo-permissive-bar", [System("container")], new() { ["var_log_t"] = ErrorloggerVarLog }, SelinuxProfileMode.Permissive);

        var cil = Translate(profile);

        Assert.StartsWith("(block foo-permissive-bar\n(blockinherit container)\n(typepermissive process)\n(allow process var_log_t ( dir ( add_name ", cil, StringComparison.Ordinal);
        await CompileAsync(cil);
    }

    [Fact]
    public async Task V5_explicit_enforcing_has_no_typepermissive()
    {
        var cil = Translate(Profile("foo-enforcing-bar", null, VarLog("dir", "open"), SelinuxProfileMode.Enforcing));

        Assert.Equal("(block foo-enforcing-bar\n(blockinherit container)\n(allow process var_log_t ( dir ( open )))\n)\n", cil);
        await CompileAsync(cil);
    }

    [Fact]
    public async Task V6_other_system_templates_follow_container()
    {
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "net_container"] };
        var profile = Profile("foo-bar", [System("container"), System("net_container")], new() { ["var_log_t"] = ErrorloggerVarLog });

        var cil = Translate(profile, options);

        Assert.StartsWith("(block foo-bar\n(blockinherit container)\n(blockinherit net_container)\n(allow ", cil, StringComparison.Ordinal);
        await CompileAsync(cil);
    }

    public static TheoryData<string, string, string, string, string?, string?> DenyVectors => new()
    {
        // id, type, class, permission, options ("Kind:value"), expected error path (null = ok)
        { "V7", "kernel_t", "dir", "open", null, "$.spec.allow.kernel_t" },
        { "V8", "var_log_t", "security", "open", null, "$.spec.allow.var_log_t.security" },
        { "V9", "var_log_t", "dir", "load_policy", null, "$.spec.allow.var_log_t.dir[0]" },
        { "V10", "var_log_t", "dir", "open", null, null },
        { "V11", "var_log_t", "dir", "open", "DeniedTypes:var_log_t", "$.spec.allow.var_log_t" },
        { "V12", "var_log_t", "dir", "open", "DeniedClasses:dir", "$.spec.allow.var_log_t.dir" },
        { "V13", "var_log_t", "dir", "open", "DeniedPermissions:open", "$.spec.allow.var_log_t.dir[0]" },
        { "V14", "kernel_t", "file", "open", "AllowedTypes:kernel_t", null },
        { "V15", "var_log_t", "capability", "net_admin", "AllowedClasses:capability", null },
        { "V16", "var_log_t", "file", "mounton", "AllowedPermissions:mounton", null },
        { "V17", "kernel_t", "file", "open", "DeniedTypes:kernel_t,AllowedTypes:kernel_t", "$.spec.allow.kernel_t" },
    };

    [Theory]
    [MemberData(nameof(DenyVectors))]
    public async Task V7_to_V17_deny_lists(string id, string type, string objectClass, string permission, string? options, string? errorPath)
    {
        var profile = Profile("deny-" + id.ToLowerInvariant(), null, new() { [type] = new Dictionary<string, IList<string>> { [objectClass] = [permission] } });

        var result = SelinuxProfileCilTranslator.Translate(profile, Options(options));

        if (errorPath is null)
        {
            var cil = result.GetTextOrThrow();
            Assert.Contains("(allow process " + type + " ( " + objectClass + " ( " + permission + " )))\n", cil, StringComparison.Ordinal);
            await CompileAsync(cil);
        }
        else
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal(errorPath, error.Path);
            Assert.Equal(TranslationErrorKind.NotAllowed, error.Kind);
            Assert.EndsWith(" is denied", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_built_in_denied_value_is_refused()
    {
        foreach (var type in SelinuxPolicyOptions.BuiltInDeniedTypes)
        {
            Assert.Equal("type " + type + " is denied", Assert.Single(Errors(Profile("p", null, new() { [type] = new Dictionary<string, IList<string>> { ["file"] = ["read"] } }))).Message);
        }

        foreach (var objectClass in SelinuxPolicyOptions.BuiltInDeniedClasses)
        {
            Assert.Equal("class " + objectClass + " is denied", Assert.Single(Errors(Profile("p", null, VarLog(objectClass, "read")))).Message);
        }

        foreach (var permission in SelinuxPolicyOptions.BuiltInDeniedPermissions)
        {
            Assert.Equal("permission " + permission + " is denied", Assert.Single(Errors(Profile("p", null, VarLog("file", "read", permission)))).Message);
        }
    }

    [Fact]
    public void Handler_errorlogger_with_self_and_defaulted_kind_is_ok()
    {
        var allow = new Dictionary<string, IDictionary<string, IList<string>>>
        {
            ["var_log_t"] = ErrorloggerVarLog,
            ["@self"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["listen"] },
        };
        Assert.True(SelinuxProfileCilTranslator.Translate(Profile("errorlogger", [new SelinuxProfileInherit { Name = "container" }], allow)).Succeeded);
    }

    [Fact]
    public void Handler_profile_inherit_that_exists_is_ok()
    {
        var foo = Profile("foo", null, null);
        Assert.True(SelinuxProfileCilTranslator.Translate(Profile("p", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "foo")], null), null, Find(foo)).Succeeded);
    }

    [Fact]
    public void Handler_system_profile_not_in_the_allow_list()
    {
        var error = Assert.Single(Errors(Profile("p", [Inherit(SelinuxProfileInheritKind.System, "unexistent-system-ref")], null)));
        Assert.Equal("$.spec.inherit[0].name", error.Path);
        Assert.Equal(TranslationErrorKind.NotAllowed, error.Kind);
        Assert.Equal("system profile unexistent-system-ref not in SecurityProfilesOperatorDaemon's allow list", error.Message);
    }

    [Fact]
    public void Handler_missing_profile_reference()
    {
        var error = Assert.Single(Errors(Profile("p", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "unexistent-ref")], null)));
        Assert.Equal(TranslationErrorKind.NotFound, error.Kind);
        Assert.Equal("couldn't find inherit reference SelinuxProfile/unexistent-ref", error.Message);
    }

    [Fact]
    public void Handler_unknown_inherit_kind()
    {
        var error = Assert.Single(Errors(Profile("p", [Inherit(SelinuxProfileInheritKind.FromValue("InvalidKind"), "foo")], null)));
        Assert.Equal("$.spec.inherit[0].kind", error.Path);
        Assert.Equal("InvalidKind/foo: unknown inherit kind for entry", error.Message);
    }

    [Theory]
    [InlineData("label", "var_log_t) (typeattribute container_runtime_domain (process))", "$.spec.allow['var_log_t) (typeattribute container_runtime_domain (process))']", "invalid label key")]
    [InlineData("class", "dir) (typeattribute container_runtime_domain (process))", "$.spec.allow.var_log_t['dir) (typeattribute container_runtime_domain (process))']", "invalid object class")]
    [InlineData("permission", "write) (typeattribute container_runtime_domain (process))", "$.spec.allow.var_log_t.dir[0]", "invalid permission")]
    public void Handler_injection_into_keys_and_permissions(string where, string value, string path, string message)
    {
        var allow = where switch
        {
            "label" => new Dictionary<string, IDictionary<string, IList<string>>> { [value] = new Dictionary<string, IList<string>> { ["dir"] = ["read"] } },
            "class" => VarLog(value, "read"),
            _ => VarLog("dir", value),
        };

        var error = Assert.Single(Errors(Profile("p", null, allow)));

        Assert.Equal(path, error.Path);
        Assert.Equal(TranslationErrorKind.Invalid, error.Kind);
        Assert.Equal("didn't match expected characters: " + message, error.Message);
    }

    [Fact]
    public async Task Spec_sample_nginx_secure_and_its_permissive_child()
    {
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "net_container"] };
        var nginx = Profile("nginx-secure", [System("container"), System("net_container")], new()
        {
            ["http_port_t"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["name_bind"] },
            ["node_t"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["node_bind"] },
            ["@self"] = new Dictionary<string, IList<string>> { ["tcp_socket"] = ["listen", "accept", "listen"] },
            ["var_log_t"] = new Dictionary<string, IList<string>> { ["file"] = ["open", "append", "getattr"], ["dir"] = ["search"] },
        });
        var child = Profile("child", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "nginx-secure")], new()
        {
            ["var_lib_t"] = new Dictionary<string, IList<string>> { ["lnk_file"] = ["read"] },
        }, SelinuxProfileMode.Permissive);

        var nginxCil = Translate(nginx, options);
        var childCil = Translate(child, options, Find(nginx));

        Assert.Equal(
            """
            (block nginx-secure
            (blockinherit container)
            (blockinherit net_container)
            (allow process nginx-secure.process ( tcp_socket ( accept listen )))
            (allow process http_port_t ( tcp_socket ( name_bind )))
            (allow process node_t ( tcp_socket ( node_bind )))
            (allow process var_log_t ( dir ( search )))
            (allow process var_log_t ( file ( append getattr open )))
            )

            """,
            nginxCil);
        Assert.Equal("(block child\n(blockinherit nginx-secure)\n(typepermissive process)\n(allow process var_lib_t ( lnk_file ( read )))\n)\n", childCil);
        await CompileAsync(nginxCil, childCil);
    }

    [Fact]
    public void Output_does_not_depend_on_map_or_list_order()
    {
        var random = new Random(1842);
        string? first = null;
        for (var round = 0; round < 20; round++)
        {
            var allow = new Dictionary<string, IDictionary<string, IList<string>>>();
            foreach (var type in SecilcHarness.Types.Where(t => t is not ("kernel_t" or "shadow_t")).OrderBy(_ => random.Next()))
            {
                var classes = new Dictionary<string, IList<string>>();
                foreach (var (objectClass, permissions) in SecilcHarness.Classes.Where(c => c.Class != "capability").OrderBy(_ => random.Next()))
                {
                    classes[objectClass] = permissions.Where(p => !SelinuxPolicyOptions.BuiltInDeniedPermissions.Contains(p)).OrderBy(_ => random.Next()).Concat(permissions.Take(1)).ToList();
                }

                allow[type] = classes;
            }

            var cil = Translate(Profile("stable", null, allow));
            first ??= cil;
            Assert.Equal(first, cil);
        }
    }

    [Theory]
    [InlineData("1abc")]                 // CIL names start with a letter
    [InlineData("a.b")]                  // a dot separates CIL namespaces
    [InlineData("a b")]
    [InlineData("a\n(allow")]
    [InlineData("a)")]
    [InlineData("")]
    public void Names_that_cannot_name_a_block_are_refused(string name)
    {
        Assert.Equal("$.metadata.name", Assert.Single(Errors(Profile(name, null, null))).Path);
    }

    [Fact]
    public void Inherits_that_cannot_be_written_safely_are_refused()
    {
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "container) (allow process shadow_t (file (read)))", ""] };
        var self = Profile("self-loop", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "self-loop")], null);
        var a = Profile("a", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "b")], null);
        var b = Profile("b", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "c")], null);
        var c = Profile("c", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "a")], null);
        SelinuxProfile? Lookup(string n) => new[] { self, a, b, c }.FirstOrDefault(p => p.Metadata.Name == n);

        Assert.Contains("not a CIL block name", Assert.Single(SelinuxProfileCilTranslator.Translate(Profile("p", [System("container) (allow process shadow_t (file (read)))")], null), options).Errors).Message, StringComparison.Ordinal);
        Assert.Equal("$.spec.inherit[0].name", Assert.Single(SelinuxProfileCilTranslator.Translate(Profile("p", [System(string.Empty)], null), options).Errors).Path);
        Assert.Contains("cannot inherit itself", Assert.Single(SelinuxProfileCilTranslator.Translate(self, options, Lookup).Errors).Message, StringComparison.Ordinal);
        Assert.Contains("inherit cycle", Assert.Single(SelinuxProfileCilTranslator.Translate(a, options, Lookup).Errors).Message, StringComparison.Ordinal);
        Assert.Contains("cannot name a CIL block", Assert.Single(SelinuxProfileCilTranslator.Translate(Profile("p", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "x) (allow")], null), options, _ => a).Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_inherits_are_written_once_and_empty_permission_lists_write_nothing()
    {
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "net_container"] };
        var profile = Profile("dupes", [System("net_container"), System("container"), System("net_container")], new()
        {
            ["var_log_t"] = new Dictionary<string, IList<string>> { ["file"] = [], ["dir"] = ["read"] },
            ["tmp_t"] = new Dictionary<string, IList<string>>(),
        });

        var cil = Translate(profile, options);

        Assert.Equal("(block dupes\n(blockinherit container)\n(blockinherit net_container)\n(allow process var_log_t ( dir ( read )))\n)\n", cil);
        await CompileAsync(cil);
    }

    [Fact]
    public void Every_problem_is_reported_in_field_order()
    {
        var profile = Profile("p", [Inherit(SelinuxProfileInheritKind.System, "nope"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "missing")], new()
        {
            ["shadow_t"] = new Dictionary<string, IList<string>> { ["file"] = ["read", null!, "relabelto"], ["system"] = ["x"] },
            ["bad label"] = new Dictionary<string, IList<string>> { ["file"] = ["read"] },
        });

        Assert.Equal(
            [
                "$.spec.inherit[0].name: system profile nope not in SecurityProfilesOperatorDaemon's allow list",
                "$.spec.inherit[1].name: couldn't find inherit reference SelinuxProfile/missing",
                "$.spec.allow['bad label']: didn't match expected characters: invalid label key",
                "$.spec.allow.shadow_t: type shadow_t is denied",
                "$.spec.allow.shadow_t.file[1]: didn't match expected characters: invalid permission",
                "$.spec.allow.shadow_t.file[2]: permission relabelto is denied",
                "$.spec.allow.shadow_t.system: class system is denied",
            ],
            Errors(profile).Select(e => e.ToString()));
    }

    [Fact]
    public void Spod_options_feed_the_translator()
    {
        var spod = new SecurityProfilesOperatorDaemon
        {
            Spec = new() { Selinux = new() { Options = new() { AllowedSystemProfiles = ["container", "net_container"], DeniedTypes = ["var_log_t"], DeniedClasses = ["dir"], DeniedPermissions = ["open"] } } },
        };

        var options = SelinuxPolicyOptions.FromSpod(spod);

        Assert.Equal(["container", "net_container"], options.AllowedSystemProfiles);
        Assert.Equal(["var_log_t"], options.DeniedTypes);
        Assert.Equal(["dir"], options.DeniedClasses);
        Assert.Equal(["open"], options.DeniedPermissions);
        Assert.Equal(["container"], SelinuxPolicyOptions.FromSpod(null).AllowedSystemProfiles);
        Assert.Equal(["container"], SelinuxPolicyOptions.FromSpod(new SecurityProfilesOperatorDaemon { Spec = new() { Selinux = new() { Options = new() } } }).AllowedSystemProfiles);
    }

    [Fact]
    public async Task Random_valid_profiles_compile()
    {
        var random = new Random(20210604);
        var modules = new List<string>();
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "net_container"] };
        var created = new List<SelinuxProfile>();
        for (var i = 0; i < 60; i++)
        {
            var allow = new Dictionary<string, IDictionary<string, IList<string>>>();
            foreach (var type in SecilcHarness.Types.Where(t => !SelinuxPolicyOptions.BuiltInDeniedTypes.Contains(t)).Append("@self").Where(_ => random.Next(3) == 0))
            {
                allow[type] = SecilcHarness.Classes.Where(c => !SelinuxPolicyOptions.BuiltInDeniedClasses.Contains(c.Class) && random.Next(3) == 0)
                    .ToDictionary(c => c.Class, c => (IList<string>)c.Permissions.Where(p => !SelinuxPolicyOptions.BuiltInDeniedPermissions.Contains(p) && random.Next(2) == 0).Append(c.Permissions[0]).ToList());
            }

            var inherits = new List<SelinuxProfileInherit>();
            if (random.Next(3) == 0)
            {
                inherits.Add(System("net_container"));
            }

            if (created.Count > 0 && random.Next(3) == 0)
            {
                inherits.Add(Inherit(SelinuxProfileInheritKind.SelinuxProfile, created[random.Next(created.Count)].Metadata.Name));
            }

            var profile = Profile("rnd" + i + "-" + (char)('a' + random.Next(26)), inherits, allow, random.Next(2) == 0 ? SelinuxProfileMode.Permissive : null);
            modules.Add(Translate(profile, options, n => created.FirstOrDefault(p => p.Metadata.Name == n)));
            created.Add(profile);
        }

        await CompileAsync([.. modules]);
    }

    [Fact]
    public async Task Upstream_and_sample_manifests_translate_and_compile()
    {
        var serializer = new SpoSerializer();
        var profiles = serializer.ReadFile(Path.Combine(TranslatorTestEnvironment.RepositoryRoot, "samples", "manifests", "selinux-and-apparmor.yaml")).Objects.OfType<SelinuxProfile>().ToList();
        if (TranslatorTestEnvironment.Upstream("examples", output) is { } examples)
        {
            profiles.AddRange(serializer.ReadFile(Path.Combine(examples, "selinuxprofile.yaml")).Objects.OfType<SelinuxProfile>());
            Assert.Equal(2, profiles.Count);
        }

        await CompileAsync([.. profiles.Select(p => Translate(p))]);
    }

    // In CIL a leading '.' names the global declaration: .shadow_t is shadow_t, and is denied as it is.
    [Theory]
    [InlineData(".shadow_t", "file", "read", ".shadow_t")]
    [InlineData("var_log_t", ".capability", "sys_admin", ".capability")]
    public void A_denied_type_or_class_cannot_be_reached_through_its_global_name(string type, string objectClass, string permission, string named)
    {
        var result = SelinuxProfileCilTranslator.Translate(Profile("leak", null, new() { [type] = new Dictionary<string, IList<string>> { [objectClass] = [permission] } }));

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Kind == TranslationErrorKind.NotAllowed && e.Path.EndsWith("['" + named + "']", StringComparison.Ordinal));
    }

    // secilc reads these words at the head of a permission list as operators: ( file ( all ) ) grants every file
    // permission and ( file ( not read ) ) every one but read, relabelto and mounton included, past every deny list.
    [Theory]
    [InlineData("all")]
    [InlineData("not", "read")]
    [InlineData("and", "read", "write")]
    [InlineData("or", "read", "write")]
    [InlineData("xor", "read", "write")]
    [InlineData("eq", "read")]
    [InlineData("neq", "read")]
    [InlineData("dom", "read")]
    [InlineData("domby", "read")]
    [InlineData("incomp", "read")]
    [InlineData("range", "read", "write")]
    public void Cil_expression_operators_are_refused_as_permissions(string keyword, params string[] others)
    {
        var error = Assert.Single(Errors(Profile("p", null, VarLog("file", [keyword, .. others]))));

        Assert.Equal("$.spec.allow.var_log_t.file[0]", error.Path);
        Assert.Equal(TranslationErrorKind.Invalid, error.Kind);
        Assert.Equal("permission " + keyword + " is a CIL expression operator, not a permission name", error.Message);
    }

    // Each SelinuxProfile parent brings container's "type process" with it: secilc fails on any two ("Re-declaration
    // of type process"), distinct siblings or a diamond alike, so translation refuses the second one.
    [Fact]
    public async Task A_profile_inherits_at_most_one_selinuxprofile()
    {
        var options = new SelinuxPolicyOptions { AllowedSystemProfiles = ["container", "net_container"] };
        var p = Profile("p", null, VarLog("file", "read"));
        var r = Profile("r", null, VarLog("file", "open"));
        var q = Profile("q", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "p")], VarLog("file", "getattr"));
        var find = Find(p, q, r);

        var siblings = SelinuxProfileCilTranslator.Translate(Profile("d", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "p"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "p"), System("net_container"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "r")], null), options, find);
        var diamond = SelinuxProfileCilTranslator.Translate(Profile("c", [Inherit(SelinuxProfileInheritKind.SelinuxProfile, "q"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "p")], null), options, find);

        var error = Assert.Single(siblings.Errors);
        Assert.Equal(("$.spec.inherit[3].name", TranslationErrorKind.Invalid), (error.Path, error.Kind));
        Assert.Equal("a SelinuxProfile can inherit at most one SelinuxProfile (each brings the process type of container): already inherits SelinuxProfile/p, so not SelinuxProfile/r", error.Message);
        Assert.Equal("$.spec.inherit[1].name", Assert.Single(diamond.Errors).Path);

        // What secilc accepts stays accepted: one SelinuxProfile parent (repeated or not) next to system templates.
        var child = Translate(Profile("child", [System("container"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "q"), System("net_container"), Inherit(SelinuxProfileInheritKind.SelinuxProfile, "q")], null), options, find);
        Assert.Equal("(block child\n(blockinherit net_container)\n(blockinherit q)\n)\n", child);
        await CompileAsync(Translate(p, options), Translate(q, options, find), child);
    }

    // Every duplicate entry used to redo the existence and cycle checks, each reading every entry of every ancestor:
    // n entries in the child and m in its parent cost n*m. Duplicates are dropped first and ancestors read once.
    [Fact]
    public void Duplicate_inherits_cost_one_walk_of_the_ancestors()
    {
        const int Entries = 10_000;
        var reads = 0;
        var lookups = 0;
        SelinuxProfile WithInherits(string name, string parent) => new()
        {
            Metadata = new() { Name = name },
            Spec = new() { Inherit = new CountingList<SelinuxProfileInherit>(Enumerable.Range(0, Entries).Select(_ => Inherit(SelinuxProfileInheritKind.SelinuxProfile, parent)), () => reads++) },
        };

        var q = Profile("q", null, null);
        var p = WithInherits("p", "q");
        var child = WithInherits("child", "p");

        var cil = Translate(child, null, n => { lookups++; return n == "p" ? p : n == "q" ? q : null; });

        Assert.Equal("(block child\n(blockinherit p)\n)\n", cil);
        Assert.InRange(lookups, 1, 3);
        Assert.InRange(reads, 1, (2 * Entries) + 10);
    }

    // An inherit list that counts every element read (by index or by enumeration).
    private sealed class CountingList<T>(IEnumerable<T> items, Action read) : IList<T>
    {
        private readonly List<T> _items = [.. items];

        public int Count => _items.Count;

        public bool IsReadOnly => false;

        public T this[int index]
        {
            get
            {
                read();
                return _items[index];
            }

            set => _items[index] = value;
        }

        public IEnumerator<T> GetEnumerator()
        {
            foreach (var item in _items)
            {
                read();
                yield return item;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public int IndexOf(T item) => _items.IndexOf(item);

        public void Insert(int index, T item) => _items.Insert(index, item);

        public void RemoveAt(int index) => _items.RemoveAt(index);

        public void Add(T item) => _items.Add(item);

        public void Clear() => _items.Clear();

        public bool Contains(T item) => _items.Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => _items.CopyTo(array, arrayIndex);

        public bool Remove(T item) => _items.Remove(item);
    }

    private static SelinuxProfile Profile(string name, IList<SelinuxProfileInherit>? inherit, Dictionary<string, IDictionary<string, IList<string>>>? allow, SelinuxProfileMode? mode = null) => new()
    {
        Metadata = new() { Name = name },
        Spec = new() { Inherit = inherit, Allow = allow, Mode = mode },
    };

    private static Dictionary<string, IDictionary<string, IList<string>>> VarLog(string objectClass, params string[] permissions) =>
        new() { ["var_log_t"] = new Dictionary<string, IList<string>> { [objectClass] = permissions } };

    private static SelinuxProfileInherit System(string name) => Inherit(SelinuxProfileInheritKind.System, name);

    private static SelinuxProfileInherit Inherit(SelinuxProfileInheritKind kind, string name) => new() { Kind = kind, Name = name };

    private static Func<string, SelinuxProfile?> Find(params SelinuxProfile[] profiles) => name => profiles.FirstOrDefault(p => p.Metadata.Name == name);

    private static SelinuxPolicyOptions Options(string? spec)
    {
        var options = new SelinuxPolicyOptions();
        foreach (var part in (spec ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (part.Split(':')[0], (IReadOnlyList<string>)[part.Split(':')[1]]);
            options = key switch
            {
                "DeniedTypes" => options with { DeniedTypes = value },
                "DeniedClasses" => options with { DeniedClasses = value },
                "DeniedPermissions" => options with { DeniedPermissions = value },
                "AllowedTypes" => options with { AllowedTypes = value },
                "AllowedClasses" => options with { AllowedClasses = value },
                _ => options with { AllowedPermissions = value },
            };
        }

        return options;
    }

    private static string Translate(SelinuxProfile profile, SelinuxPolicyOptions? options = null, Func<string, SelinuxProfile?>? find = null)
    {
        var result = SelinuxProfileCilTranslator.Translate(profile, options, find);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Text!;
    }

    private static IReadOnlyList<TranslationError> Errors(SelinuxProfile profile) => SelinuxProfileCilTranslator.Translate(profile).Errors;

    private async Task CompileAsync(params string[] modules)
    {
        if (_secilc.Secilc is null)
        {
            return;
        }

        await _secilc.AssertCompilesAsync(modules);
    }
}
