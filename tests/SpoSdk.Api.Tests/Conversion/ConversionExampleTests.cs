using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;

#pragma warning disable CS0618 // legacy versions are what these tests convert

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>The conversion cases upstream gets wrong, spelled out.</summary>
public sealed class ConversionExampleTests
{
    // Values a newer or older operator wrote need not pass this version's schema: read them as they are.
    private readonly SpoSerializer _serializer = new(new SpoSerializerOptions { Strict = false, Validate = false });

    [Fact]
    public void V1_only_spod_fields_survive_a_trip_through_v1alpha1()
    {
        var hub = _serializer.Deserialize<V1.SecurityProfilesOperatorDaemon>("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: security-profiles-operator}
            spec:
              selinux:
                options:
                  allowedSystemProfiles: [container]
                  deniedTypes: [shadow_t]
              security:
                allowedIdentityRegexp: ^https://github.com/acme/.*$
            """);

        var legacy = V1Alpha1.SecurityProfilesOperatorDaemon.ConvertFromHub(hub);
        var legacyYaml = _serializer.ToYaml(legacy);
        Assert.DoesNotContain("deniedTypes:", legacyYaml, StringComparison.Ordinal);
        Assert.Contains(SpoConverter.ConversionDataAnnotation, legacy.Metadata.Annotations!.Keys);

        var back = legacy.ConvertToHub();
        Assert.Equal(["shadow_t"], back.Spec!.Selinux!.Options!.DeniedTypes!);
        Assert.Equal("^https://github.com/acme/.*$", back.Spec.Security!.AllowedIdentityRegexp);
        Assert.Null(back.Metadata.Annotations);
    }

    [Fact]
    public void Recording_enums_change_spelling_and_empty_values_come_back_empty()
    {
        var legacy = _serializer.Deserialize<V1Alpha1.ProfileRecording>("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: ProfileRecording
            metadata: {name: rec, namespace: ns}
            spec: {kind: SeccompProfile, recorder: bpf, mergeStrategy: "", podSelector: {}}
            """);

        var hub = legacy.ConvertToHub();
        Assert.Equal(V1.ProfileRecordingRecorder.Bpf, hub.Spec.Recorder);
        Assert.Equal(V1.ProfileRecordingMergeStrategy.None, hub.Spec.MergeStrategy);

        var again = V1Alpha1.ProfileRecording.ConvertFromHub(hub);
        Assert.Equal("bpf", again.Spec.Recorder.Value);
        Assert.Equal(string.Empty, again.Spec.MergeStrategy?.Value);
        Assert.Null(again.Metadata.Annotations);
    }

    [Fact]
    public void An_unknown_enum_value_is_set_aside_not_blanked()
    {
        var hub = _serializer.Deserialize<V1.SecurityProfilesOperatorDaemon>("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: spo}
            status: {state: Degraded}
            """);

        var legacy = V1Alpha1.SecurityProfilesOperatorDaemon.ConvertFromHub(hub);
        Assert.Null(legacy.Status!.State);

        Assert.Equal("Degraded", legacy.ConvertToHub().Status!.State!.Value.Value);
    }

    [Fact]
    public void A_change_made_in_the_legacy_version_wins_over_what_was_set_aside()
    {
        var hub = _serializer.Deserialize<V1.SecurityProfilesOperatorDaemon>("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: spo}
            status: {state: Degraded}
            """);

        var legacy = V1Alpha1.SecurityProfilesOperatorDaemon.ConvertFromHub(hub);
        legacy.Status!.State = V1Alpha1.SpodState.Running;

        Assert.Equal(V1.SpodState.Running, legacy.ConvertToHub().Status!.State);
    }

    [Fact]
    public void An_absent_state_stays_absent_where_upstream_would_write_Pending()
    {
        var legacy = _serializer.Deserialize<V1Alpha1.SecurityProfilesOperatorDaemon>("""
            apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
            kind: SecurityProfilesOperatorDaemon
            metadata: {name: spod, namespace: spo}
            status: {}
            """);

        Assert.Null(legacy.ConvertToHub().Status!.State);
    }

    [Fact]
    public void Converting_to_the_same_version_or_an_unserved_one()
    {
        var hub = new V1.SecurityProfileNodeStatus { Metadata = new() { Name = "p-node" }, Spec = new() { NodeName = "node" } };
        Assert.Equal("v1", SpoConverter.Default.Convert(hub, "v1").KindInfo.Version);
        Assert.Equal("v1alpha1", SpoConverter.Default.Convert(hub, "security-profiles-operator.x-k8s.io/v1alpha1").KindInfo.Version);
        Assert.Throws<SpoConversionException>(() => SpoConverter.Default.Convert(hub, "v2"));
    }
}
