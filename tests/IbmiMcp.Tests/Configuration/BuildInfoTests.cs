using System.Reflection;
using IbmiMcp.Configuration;

namespace IbmiMcp.Tests;

public class BuildInfoTests
{
    [Fact]
    public void The_version_constant_is_the_version_the_build_stamped_on_the_assembly()
    {
        // The constant is written by the project's WriteBuildInfoVersion target; the attribute by the SDK from the same
        // -p:Version. A stale or mis-quoted generated file shows up here as a mismatch.
        var stamped = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal(BuildInfo.Version, stamped);
    }
}
