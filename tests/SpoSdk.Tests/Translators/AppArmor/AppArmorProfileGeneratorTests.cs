using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Translators;
using SpoSdk.Translators.AppArmor;
using static SpoSdk.Tests.Translators.AppArmor.AppArmorVectors;

namespace SpoSdk.Tests.Translators.AppArmor;

/// <summary>crd2armor: upstream's 30 vectors, the spec sample byte for byte, and hostile inputs.</summary>
public sealed class AppArmorProfileGeneratorTests
{
    public static TheoryData<string> UpstreamIds => new(Upstream.Select(v => v.Id));

    [Theory]
    [MemberData(nameof(UpstreamIds))]
    public void Upstream_vector(string id)
    {
        var vector = Upstream.Single(v => v.Id == id);
        var mode = id == "G2" ? AppArmorProfileMode.Complain : id == "G1" ? AppArmorProfileMode.Enforce : (AppArmorProfileMode?)null;

        var result = AppArmorProfileGenerator.Generate(vector.Name, mode, AbstractWith(vector.Field, vector.Values));

        if (vector.Ok)
        {
            Assert.True(result.Succeeded, string.Join("\n", result.Errors));
            Assert.Contains("profile " + vector.Name + " flags=(" + (id == "G2" ? "complain" : "enforce") + ",attach_disconnected,mediate_deleted) {\n", result.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(result.Text);
            var error = Assert.Single(result.Errors);
            Assert.Equal(vector.BadIndex < 0 ? "$.metadata.name" : PathOf(vector.Field) + "[" + vector.BadIndex + "]", error.Path);
            Assert.Equal(TranslationErrorKind.Invalid, error.Kind);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public void G1_enforce_mode_denies_and_G2_complain_mode_does_not()
    {
        var enforce = AppArmorProfileGenerator.Generate("EnforceModeWithDeny", AppArmorProfileMode.Enforce, AbstractWith(Field.ReadOnly, ["/etc/passwd"])).GetTextOrThrow();
        var complain = AppArmorProfileGenerator.Generate("ComplainModeWithoutDeny", AppArmorProfileMode.Complain, AbstractWith(Field.ReadOnly, ["/etc/passwd"])).GetTextOrThrow();

        Assert.Contains("profile EnforceModeWithDeny flags=(enforce", enforce, StringComparison.Ordinal);
        Assert.Contains("/etc/passwd r,", enforce, StringComparison.Ordinal);
        Assert.Contains("deny /etc/passwd wlk,", enforce, StringComparison.Ordinal);
        Assert.Contains("deny @{PROC}/* w,", enforce, StringComparison.Ordinal);

        Assert.Contains("profile ComplainModeWithoutDeny flags=(complain", complain, StringComparison.Ordinal);
        Assert.Contains("/etc/passwd r,", complain, StringComparison.Ordinal);
        foreach (var absent in new[] { "deny /etc/passwd wlk,", "deny @{PROC}/* w,", "audit /etc/passwd wlk,", "audit @{PROC}/* w," })
        {
            Assert.DoesNotContain(absent, complain, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Spec_sample_is_reproduced_byte_for_byte_in_both_modes()
    {
        Assert.Equal(NginxEnforce, AppArmorProfileGenerator.Generate("nginx-profile", AppArmorProfileMode.Enforce, Nginx()).Text);
        Assert.Equal(NginxEnforce, AppArmorProfileGenerator.Generate("nginx-profile", null, Nginx()).Text);
        Assert.Equal(NginxComplain, AppArmorProfileGenerator.Generate("nginx-profile", AppArmorProfileMode.Complain, Nginx()).Text);
    }

    [Fact]
    public void Profile_object_supplies_name_mode_and_abstract()
    {
        var profile = new AppArmorProfile { Metadata = new() { Name = "nginx-profile" }, Spec = new() { Mode = AppArmorProfileMode.Complain, Abstract = Nginx() } };
        Assert.Equal(NginxComplain, AppArmorProfileGenerator.Generate(profile).Text);
    }

    [Fact]
    public void Unknown_mode_is_enforce_as_upstream()
    {
        var text = AppArmorProfileGenerator.Generate("p", AppArmorProfileMode.FromValue("Audit"), Nginx()).GetTextOrThrow();
        Assert.Contains("flags=(enforce,", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_is_deterministic()
    {
        var first = AppArmorProfileGenerator.Generate("nginx-profile", null, Nginx()).Text;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(first, AppArmorProfileGenerator.Generate("nginx-profile", null, Nginx()).Text);
        }
    }

    [Fact]
    public void Missing_abstract_is_an_error_at_its_path()
    {
        var result = AppArmorProfileGenerator.Generate(new AppArmorProfile { Metadata = new() { Name = "x" }, Spec = new() });
        Assert.Equal("$.spec.abstract", Assert.Single(result.Errors).Path);
        Assert.Throws<ProfileTranslationException>(() => result.GetTextOrThrow());
    }

    [Fact]
    public void Empty_name_is_accepted_as_upstream()
    {
        var text = AppArmorProfileGenerator.Generate(null, null, new AppArmorProfileAbstract()).GetTextOrThrow();
        Assert.Contains("\nprofile  flags=(enforce,attach_disconnected,mediate_deleted) {\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_offending_value_is_reported_by_its_json_path()
    {
        var result = AppArmorProfileGenerator.Generate("bad name", null, new AppArmorProfileAbstract
        {
            Executable = new() { AllowedExecutables = ["/ok", "/usr/../x"], AllowedLibraries = ["/lib/ok.so", "/lib/\nx"] },
            Filesystem = new() { ReadOnlyPaths = ["/a", "/b", "relative"], WriteOnlyPaths = [null!], ReadWritePaths = ["/{a,b}"] },
            Capability = new() { AllowedCapabilities = ["chown", "cap_chown"] },
        });

        Assert.Equal(
            [
                "$.metadata.name",
                "$.spec.abstract.executable.allowedExecutables[1]",
                "$.spec.abstract.executable.allowedLibraries[1]",
                "$.spec.abstract.filesystem.readOnlyPaths[2]",
                "$.spec.abstract.filesystem.writeOnlyPaths[0]",
                "$.spec.abstract.filesystem.readWritePaths[0]",
                "$.spec.abstract.capability.allowedCapabilities[1]",
            ],
            result.Errors.Select(e => e.Path));
        Assert.All(result.Errors, e => Assert.DoesNotContain('\n', e.Message));
    }

    [Theory]
    [InlineData("/etc/passwd\n  /etc/shadow r")]           // newline: a second rule
    [InlineData("/etc/passwd\r  capability sys_admin")]     // carriage return
    [InlineData("/a,\n  capability sys_admin,\n  /b")]       // comma and newline
    [InlineData("/a r, /etc/shadow")]                        // comma: ends the rule early
    [InlineData("/a # comment")]                             // comment swallows the access mode
    [InlineData("/a\"b")]                                    // quote: breaks out of the quoted form
    [InlineData("/a}")]                                      // stray brace
    [InlineData("/a{")]                                      // unclosed brace (apparmor_parser rejects it)
    [InlineData("/{a}")]                                     // a brace group without a comma (rejected by apparmor_parser)
    [InlineData("/@{}")]                                     // empty variable
    [InlineData("/@{pid")]                                   // unclosed variable
    [InlineData("/@{a b}")]                                  // space in a variable
    [InlineData("/a\tb")]                                    // tab
    [InlineData("/a\0b")]                                    // NUL
    [InlineData("/a\u00a0b")]                                // non-breaking space
    [InlineData("/\u0430")]                                  // Cyrillic a, looks like 'a'
    [InlineData("/a\u2028b")]                                // line separator
    [InlineData("/\ud800")]                                  // lone surrogate
    [InlineData("")]                                         // empty: rendered as a rule without a path
    [InlineData(" /a")]                                      // leading space
    [InlineData("/a\\b")]                                    // backslash escape
    [InlineData("/a[x]")]                                    // character class
    [InlineData("/a^")]                                      // negation
    [InlineData("/a=b")]                                     // variable assignment
    [InlineData("/a$b")]                                     // shell variable
    [InlineData("/a) (b")]                                   // parentheses
    [InlineData("/a<b>")]                                    // include brackets
    [InlineData("ptrace (read),\n  capability sys_admin,")]  // ptrace form with a second line
    [InlineData("ptrace (read), r,\ncapability sys_admin,")] // not the ptrace form, not a path
    [InlineData("ptrace (bogus),")]                          // unknown ptrace access
    [InlineData("ptrace (read), ")]                          // trailing blank without a comment
    [InlineData("ptrace (read),# x\ncapability sys_admin,")] // comment followed by a new line
    public void Hostile_paths_are_rejected_in_every_list(string path)
    {
        foreach (var field in new[] { Field.ReadOnly, Field.Executable, Field.Library })
        {
            var result = AppArmorProfileGenerator.Generate("p", null, AbstractWith(field, ["/ok", path]));
            var error = Assert.Single(result.Errors);
            Assert.Equal(PathOf(field) + "[1]", error.Path);
            Assert.DoesNotContain('\n', error.Message);
            Assert.DoesNotContain('\r', error.Message);
            Assert.DoesNotContain('\0', error.Message);
        }

        var writeOnly = AppArmorProfileGenerator.Generate("p", null, new AppArmorProfileAbstract { Filesystem = new() { WriteOnlyPaths = [path] } });
        Assert.Equal("$.spec.abstract.filesystem.writeOnlyPaths[0]", Assert.Single(writeOnly.Errors).Path);
        var readWrite = AppArmorProfileGenerator.Generate("p", null, new AppArmorProfileAbstract { Filesystem = new() { ReadWritePaths = [path] } });
        Assert.Equal("$.spec.abstract.filesystem.readWritePaths[0]", Assert.Single(readWrite.Errors).Path);
    }

    [Theory]
    [InlineData("/..")]
    [InlineData("/../etc/shadow")]
    [InlineData("/..hidden")]                                // upstream's prefix rule
    [InlineData("/usr/bin/..")]
    [InlineData("/usr/../../etc/shadow")]
    public void Executables_and_libraries_may_not_climb(string path)
    {
        Assert.Single(AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Executable, [path])).Errors);
        Assert.Single(AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Library, [path])).Errors);

        // Upstream checks traversal only for executables and libraries; a readable ".." path is just a path.
        Assert.True(AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.ReadOnly, [path])).Succeeded);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a\nb")]
    [InlineData("a{b}")]
    [InlineData("a,b")]
    [InlineData("a\"b")]
    [InlineData("a#b")]
    [InlineData("a\u0000")]
    [InlineData("\u212Aelvin")]
    [InlineData("a)b")]
    public void Hostile_names_are_rejected(string name)
    {
        var result = AppArmorProfileGenerator.Generate(name, null, new AppArmorProfileAbstract());
        Assert.Equal("$.metadata.name", Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("chown", "chown")]
    [InlineData("DAC_OVERRIDE", "dac_override")]
    [InlineData("  net_admin\t", "net_admin")]
    [InlineData("Audit_Write", "audit_write")]
    [InlineData("\u212Aill", "kill")]                        // Kelvin sign lower-cases to 'k', as in Go
    public void Capabilities_are_written_trimmed_and_lower_case(string input, string written)
    {
        var text = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Capability, [input])).GetTextOrThrow();
        Assert.Contains("\n  capability " + written + ",\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cap_chown")]
    [InlineData("all")]
    [InlineData("")]
    [InlineData("chown,")]
    [InlineData("chown\n  capability sys_admin")]
    [InlineData("sys_admin sys_module")]
    [InlineData("audit")]
    [InlineData("chown\u00e9")]
    public void Unknown_capabilities_are_rejected(string capability)
    {
        var result = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Capability, [capability]));
        Assert.Equal("$.spec.abstract.capability.allowedCapabilities[0]", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void All_41_capabilities_are_accepted()
    {
        Assert.Equal(41, AppArmorProfileGenerator.CapabilityNames.Count);
        var text = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Capability, AppArmorProfileGenerator.CapabilityNames.ToList())).GetTextOrThrow();
        Assert.All(AppArmorProfileGenerator.CapabilityNames, c => Assert.Contains("  capability " + c + ",\n", text, StringComparison.Ordinal));
    }

    [Fact]
    public void Sys_rawio_adds_fsck_and_mount_rules()
    {
        var text = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.Capability, ["SYS_RAWIO"])).GetTextOrThrow();
        Assert.Contains("\n  \n  /sbin/fsck ixr,\n  /sbin/fsck.ext4 ixr,\n  \n", text, StringComparison.Ordinal);
        Assert.Contains("\n  \n  mount,\n  remount,\n  umount,\n  \n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_with_spaces_are_quoted()
    {
        var text = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.ReadOnly, ["/My Documents/test file", "/plain"])).GetTextOrThrow();
        Assert.Contains("\n  \"/My Documents/test file\" r,\n  /plain r,\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  deny \"/My Documents/test file\" wlk,\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_ptrace_entries_become_ptrace_rules_in_every_mode()
    {
        var @abstract = new AppArmorProfileAbstract
        {
            Executable = new() { AllowedExecutables = ["ptrace (TRACE),"] },
            Filesystem = new() { ReadOnlyPaths = ["/etc/passwd", "ptrace (read),", "ptrace\t(trace), # ugly template injection hack"], ReadWritePaths = ["ptrace (readby),  #x"] },
        };

        foreach (var mode in new[] { AppArmorProfileMode.Enforce, AppArmorProfileMode.Complain })
        {
            var text = AppArmorProfileGenerator.Generate("p", mode, @abstract).GetTextOrThrow();
            Assert.Contains("\n\n  # Ptrace rules\n  ptrace (read),\n  ptrace (readby),\n  ptrace (trace),\n\n  # Network rules\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("deny ptrace", text, StringComparison.Ordinal);
            Assert.DoesNotContain("hack", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ptrace (read), r,", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Network_rules_follow_the_template()
    {
        string Network(bool? raw, bool? tcp, bool? udp, AppArmorProfileMode? mode)
        {
            var text = AppArmorProfileGenerator.Generate("p", mode, new AppArmorProfileAbstract
            {
                Network = new() { AllowRaw = raw, AllowedProtocols = tcp is null && udp is null ? null : new() { AllowTcp = tcp, AllowUdp = udp } },
            }).GetTextOrThrow();
            var start = text.IndexOf("  # Network rules\n", StringComparison.Ordinal);
            return text[start..text.IndexOf("  # Capabilities rules", StringComparison.Ordinal)];
        }

        Assert.Equal("  # Network rules\n\n  network raw,\n\n  network tcp,\n\n  network udp,\n\n\n", Network(true, true, true, null));
        Assert.Equal("  # Network rules\n\n  deny network raw,\n\n\n\n\n\n", Network(null, null, null, null));
        Assert.Equal("  # Network rules\n\n\n\n\n\n\n\n", Network(false, false, false, AppArmorProfileMode.Complain));
        Assert.Equal("  # Network rules\n\n\n\n\n\n  network udp,\n\n\n", Network(null, null, true, AppArmorProfileMode.Complain));
    }

    [Fact]
    public void Empty_lists_differ_from_absent_ones_as_in_the_template()
    {
        var absent = AppArmorProfileGenerator.Generate("p", null, new AppArmorProfileAbstract { Filesystem = new() }).GetTextOrThrow();
        var empty = AppArmorProfileGenerator.Generate("p", null, new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = [], WriteOnlyPaths = [], ReadWritePaths = [] } }).GetTextOrThrow();
        Assert.Contains("  # Filesystem rules\n\n\n\n\n  # Network rules", absent, StringComparison.Ordinal);
        Assert.Contains("  # Filesystem rules\n\n\n\n\n\n\n\n\n\n  # Network rules", empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_abstracts_translate_in_linear_time()
    {
        var paths = Enumerable.Range(0, 20_000).Select(i => "/var/lib/app/" + i + "/**").ToList();
        var longPath = "/" + new string('a', 1_000_000);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var text = AppArmorProfileGenerator.Generate("p", null, new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = paths, ReadWritePaths = [longPath] } }).GetTextOrThrow();
        var rejected = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.ReadOnly, ["/" + new string('@', 1_000_000) + "{"]));
        var ptraceLike = AppArmorProfileGenerator.Generate("p", null, AbstractWith(Field.ReadOnly, ["ptrace" + new string(' ', 1_000_000) + "(read), #" + new string('x', 1_000_000)]));
        started.Stop();

        Assert.Equal(40_000, text.Split("/var/lib/app/").Length - 1);
        Assert.Single(rejected.Errors);
        Assert.True(ptraceLike.Succeeded);
        // Generous for loaded machines: anything quadratic in these sizes would take hours.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), started.Elapsed.ToString());
    }

    [Fact]
    public void Sample_manifest_translates()
    {
        var profile = new SpoSerializer().ReadFile(Path.Combine(TranslatorTestEnvironment.RepositoryRoot, "samples", "manifests", "selinux-and-apparmor.yaml"))
            .Objects.OfType<AppArmorProfile>().Single();
        var text = AppArmorProfileGenerator.Generate(profile).GetTextOrThrow();
        Assert.Contains("profile cache-writer flags=(enforce,", text, StringComparison.Ordinal);
        Assert.Contains("  /var/cache/app/** rwlk,\n", text, StringComparison.Ordinal);
    }
}
