namespace SpoSdk.Tests.Packaging;

/// <summary>
/// A fresh console project that uses SpoSdk the way a user would: PackageReferences to SpoSdk and
/// SpoSdk.Generators from the local feed (no project references), a <c>crds/</c> folder with a
/// made-up kind of its own (Widget, group acme.example.com) whose models the generator makes in the
/// namespace the project asks for, and SpoSdk's own kinds beside them.
/// </summary>
public static class ConsumerProject
{
    /// <summary>The namespace the consumer asks for its generated models (SpoSdkModelNamespace).</summary>
    public const string ModelNamespace = "Acme.Widgets.Api";

    /// <summary>Writes the project into <paramref name="directory"/> and returns the manifest file its program reads.</summary>
    public static string Write(string directory, PackedFeed feed)
    {
        Directory.CreateDirectory(Path.Combine(directory, "crds"));

        // Nothing from folders above (a Directory.Build.props in a parent of the temp folder) may leak in.
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(directory, file), "<Project />\n");
        }

        // The local feed added to the machine's own sources (the user's NuGet.Config still applies);
        // the machine's packages folder answers for everything already restored there, without network.
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="sposdk-local-feed" value="{feed.Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{DotnetCommand.MachinePackagesFolder}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- A generator that fails to load only warns (CS8785): here it must fail the build. -->
                <WarningsAsErrors>$(WarningsAsErrors);CS8785</WarningsAsErrors>
                <RootNamespace>Acme.Widgets</RootNamespace>
                <SpoSdkModelNamespace>{ModelNamespace}</SpoSdkModelNamespace>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SpoSdk" Version="{feed.Version}" />
                <PackageReference Include="SpoSdk.Generators" Version="{feed.Version}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);

        File.WriteAllText(Path.Combine(directory, "crds", "widget.yaml"), WidgetCrd);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), Program);
        var manifest = Path.Combine(directory, "manifests.yaml");
        File.WriteAllText(manifest, Manifests);
        return manifest;
    }

    private const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.acme.example.com
        spec:
          group: acme.example.com
          names:
            kind: Widget
            listKind: WidgetList
            plural: widgets
            singular: widget
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                description: A made-up kind of the consumer's own.
                type: object
                properties:
                  apiVersion:
                    type: string
                  kind:
                    type: string
                  metadata:
                    type: object
                  spec:
                    description: What the widget should be.
                    type: object
                    properties:
                      size:
                        description: Size in centimetres.
                        type: integer
                        minimum: 1
                        maximum: 100
                      color:
                        description: Paint.
                        type: string
                        enum:
                        - Red
                        - Blue
                      seccompProfileName:
                        description: The SeccompProfile the widget runs under.
                        type: string
                        minLength: 1
                    required:
                    - size
                required:
                - spec
          - name: v1alpha1
            served: true
            storage: false
            schema:
              openAPIV3Schema:
                description: The first, looser shape of the widget.
                type: object
                properties:
                  apiVersion:
                    type: string
                  kind:
                    type: string
                  metadata:
                    type: object
                  spec:
                    type: object
                    properties:
                      size:
                        type: integer
                      color:
                        type: string
                      seccompProfileName:
                        type: string
        """;

    private const string Manifests = """
        apiVersion: acme.example.com/v1
        kind: Widget
        metadata:
          name: from-file
          namespace: default
        spec:
          size: 7
          seccompProfileName: web
        ---
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata:
          name: web
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
          - action: SCMP_ACT_ALLOW
            names:
            - read
            - write
        ---
        apiVersion: acme.example.com/v1
        kind: Widget
        metadata:
          name: broken
          namespace: default
        spec:
          size: 0
          colour: Red
        """;

    // Prints one fact per line for the test to check.
    private const string Program = """
        using Acme.Widgets.Api.V1;
        using SpoSdk.Api.Serialization;
        using SpoSdk.Translators;

        // This project's generated kinds (from its crds/) and SpoSdk's: one serializer reads both.
        var ownKinds = Acme.Widgets.Api.SpoGeneratedKinds.All;
        Console.WriteLine("own kinds: " + string.Join(", ", ownKinds.Select(k => k.Kind + " " + k.ApiVersion + " " + k.ModelType.FullName)));
        var serializer = new SpoSerializer(registry: new SpoKindRegistry(ownKinds.Concat(SpoSdk.Api.SpoGeneratedKinds.All)));

        var widget = new Widget
        {
            Metadata = new() { Name = "w1", NamespaceProperty = "default" },
            Spec = new WidgetSpec { Size = 5, Color = WidgetColor.Red, SeccompProfileName = "web" },
        };
        Console.WriteLine("valid widget: " + serializer.Validate(widget).Count + " violations");
        var yaml = serializer.ToYaml(widget);
        var back = serializer.Deserialize<Widget>(yaml);
        Console.WriteLine("round-trip: " + (serializer.ToYaml(back) == yaml ? "same YAML" : "changed YAML") + ", size " + back.Spec.Size + ", color " + back.Spec.Color);

        // The generated conversions of the project's own kind: to its legacy version and back to the hub.
        var legacy = Acme.Widgets.Api.SpoGeneratedConversions.Converter.Convert(widget, "v1alpha1");
        var hub = Acme.Widgets.Api.SpoGeneratedConversions.Converter.Convert(legacy, "v1");
        Console.WriteLine("conversion: " + legacy.GetType().FullName + " " + legacy.ApiVersion + ", back to v1 with " + (serializer.ToYaml(hub) == yaml ? "same YAML" : "changed YAML"));
        foreach (var violation in serializer.Validate(new Widget { Metadata = new() { Name = "w2" }, Spec = new WidgetSpec { Size = 500 } }))
        {
            Console.WriteLine("invalid widget: " + violation);
        }

        foreach (var document in serializer.ReadFile(args[0]).Documents)
        {
            var name = document.Object is null ? "?" : document.Object.Kind + "/" + document.Object.Metadata.Name + " (" + document.Object.ApiVersion + ")";
            Console.WriteLine("document " + document.Index + ": " + name + (document.IsValid ? " valid" : " invalid"));
            foreach (var error in document.Errors)
            {
                Console.WriteLine("document " + document.Index + " error: " + error);
            }

            switch (document.Object)
            {
                case Widget read:
                    Console.WriteLine("document " + document.Index + " widget: size " + read.Spec.Size + ", profile " + read.Spec.SeccompProfileName);
                    break;
                case SpoSdk.Api.V1.SeccompProfile profile:
                    // The runtime package's translator: the file a container runtime would read.
                    Console.WriteLine("document " + document.Index + " seccomp json: " + SeccompProfileJson.ToCompactJson(profile.Spec));
                    break;
            }
        }
        """;
}
