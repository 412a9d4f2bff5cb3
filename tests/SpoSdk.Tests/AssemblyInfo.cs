// The node side (files, ptrace, seccomp, AppArmor, SELinux) is Linux; so are these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
