using System;
using System.Collections.Generic;
using System.Linq;

namespace TensorDsl.OpenCL;

/// <summary>
/// Picks one device from a list by kind and name. Pure logic over <see cref="OpenClDeviceInfo"/>, separate from
/// <see cref="OpenClRuntime.Shared"/>, so the rules can be exercised without creating a runtime.
/// </summary>
internal static class OpenClDeviceSelector
{
    /// <summary>
    /// Chooses a device. The code settings (<paramref name="kind"/>, <paramref name="nameFilter"/>) win; only when
    /// both are unset (<see cref="OpenClDeviceKind.Default"/> and null) is <paramref name="environmentValue"/>
    /// (the value of <c>TENSORDSL_OPENCL_DEVICE</c>) consulted: <c>gpu</c>, <c>cpu</c> or <c>any</c> select a kind,
    /// anything else is a case-insensitive substring of the device name. With no preference at all: the first GPU,
    /// else the first CPU, else the first device. Unavailable devices and devices without a compiler are skipped.
    /// </summary>
    /// <exception cref="OpenClUnavailableException">No device matches; the message names the requested kind or name and lists the devices present.</exception>
    public static OpenClDeviceInfo Select(IReadOnlyList<OpenClDeviceInfo> devices, OpenClDeviceKind kind, string? nameFilter, string? environmentValue)
    {
        ArgumentNullException.ThrowIfNull(devices);
        string source = "OpenClRuntime.PreferredDeviceName";
        if (kind == OpenClDeviceKind.Default && string.IsNullOrWhiteSpace(nameFilter) && !string.IsNullOrWhiteSpace(environmentValue))
        {
            string value = environmentValue.Trim();
            source = $"environment variable {OpenClRuntime.DeviceEnvironmentVariable}";
            switch (value.ToLowerInvariant())
            {
                case "gpu":
                    kind = OpenClDeviceKind.Gpu;
                    break;
                case "cpu":
                    kind = OpenClDeviceKind.Cpu;
                    break;
                case "any":
                    kind = OpenClDeviceKind.Any;
                    break;
                case "default":
                case "auto":
                    break;
                default:
                    nameFilter = value;
                    break;
            }
        }

        List<OpenClDeviceInfo> usable = devices.Where(d => d.IsAvailable && d.IsCompilerAvailable).ToList();
        if (usable.Count == 0)
        {
            throw new OpenClUnavailableException(devices.Count == 0
                ? "No OpenCL device found: the installed platforms report no devices. Install 'pocl-opencl-icd' for a CPU device or your GPU vendor's OpenCL driver."
                : "No usable OpenCL device: every device is unavailable or has no compiler. " + DeviceList(devices));
        }

        List<OpenClDeviceInfo> candidates = usable;
        if (!string.IsNullOrWhiteSpace(nameFilter))
        {
            string filter = nameFilter.Trim();
            candidates = usable.Where(d => d.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
            if (candidates.Count == 0)
            {
                throw new OpenClUnavailableException(
                    $"No OpenCL device name contains '{filter}' (requested by {source}). {DeviceList(usable)} " +
                    $"Use 'gpu', 'cpu' or part of one of these names.");
            }
        }

        OpenClDeviceInfo? chosen = kind switch
        {
            OpenClDeviceKind.Gpu => candidates.FirstOrDefault(d => d.Type == OpenClDeviceType.Gpu),
            OpenClDeviceKind.Cpu => candidates.FirstOrDefault(d => d.Type == OpenClDeviceType.Cpu),
            OpenClDeviceKind.Any => candidates[0],
            _ => candidates.FirstOrDefault(d => d.Type == OpenClDeviceType.Gpu)
                 ?? candidates.FirstOrDefault(d => d.Type == OpenClDeviceType.Cpu)
                 ?? candidates[0],
        };

        if (chosen is null)
        {
            string install = kind == OpenClDeviceKind.Gpu
                ? "Install your GPU vendor's OpenCL driver, or select 'cpu'."
                : "Install 'pocl-opencl-icd' for a CPU device, or select 'gpu'.";
            string named = string.IsNullOrWhiteSpace(nameFilter) ? string.Empty : $" whose name contains '{nameFilter.Trim()}'";
            throw new OpenClUnavailableException($"No OpenCL {kind.ToString().ToUpperInvariant()} device{named} found. {DeviceList(usable)} {install}");
        }

        return chosen;
    }

    private static string DeviceList(IEnumerable<OpenClDeviceInfo> devices) =>
        "Devices present: " + string.Join("; ", devices.Select(d => d.ToString())) + ".";
}
