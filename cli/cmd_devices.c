/*
 * cmd_devices.c — `galley devices`: the OpenCL devices galley can use, one
 * line each (like clinfo, but short), or a JSON array with --json.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cl_runtime.h"
#include "commands.h"
#include "status.h"

static void usage(FILE *out)
{
    fputs("usage: galley devices [--json]\n"
          "\n"
          "List the OpenCL devices of every platform, one per line: index, name,\n"
          "platform, vendor, type, compute units, max clock, global memory, max\n"
          "allocation, OpenCL C version and driver version.  Where galley takes a\n"
          "device, N is this index, and 'auto' is the first GPU, else the first\n"
          "device that is not a CPU, else the host reference path (which does a\n"
          "CPU's work faster than OpenCL there; a CPU device is taken by number).\n"
          "\n"
          "options:\n"
          "  --json     print a JSON array of objects instead (keys: index, name,\n"
          "             platform, vendor, type, compute_units, max_clock_mhz,\n"
          "             global_mem_bytes, max_alloc_bytes, opencl_c_version,\n"
          "             driver_version)\n"
          "  -h, --help print this help and exit\n"
          "\n"
          "exit status:\n"
          "  0  at least one device was listed\n"
          "  2  usage error\n"
          "  5  no OpenCL device found ('no OpenCL devices found' on stderr; with\n"
          "     --json, [] on stdout as well), or an OpenCL query failed\n"
          "  6  out of memory\n",
          out);
}

static void human_bytes(char *buf, size_t size, uint64_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_json(const gal_cl_device_info *d, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        printf("%s\n  {\"index\": %u, \"name\": ", i ? "," : "", d[i].index);
        json_string(d[i].name);
        fputs(", \"platform\": ", stdout);
        json_string(d[i].platform);
        fputs(", \"vendor\": ", stdout);
        json_string(d[i].vendor);
        fputs(", \"type\": ", stdout);
        json_string(d[i].type);
        printf(", \"compute_units\": %u, \"max_clock_mhz\": %u, \"global_mem_bytes\": %llu, "
               "\"max_alloc_bytes\": %llu, \"opencl_c_version\": ",
               d[i].compute_units, d[i].max_clock_mhz,
               (unsigned long long)d[i].global_mem_bytes,
               (unsigned long long)d[i].max_alloc_bytes);
        json_string(d[i].opencl_c_version);
        fputs(", \"driver_version\": ", stdout);
        json_string(d[i].driver_version);
        putchar('}');
    }
    puts(n ? "\n]" : "]");
}

static void print_lines(const gal_cl_device_info *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char mem[32], alloc[32];
        human_bytes(mem, sizeof mem, d[i].global_mem_bytes);
        human_bytes(alloc, sizeof alloc, d[i].max_alloc_bytes);
        printf("%u  %s [%s, %s]  %s  %u CUs  %u MHz  mem %s  max alloc %s  %s  driver %s\n",
               d[i].index, d[i].name, d[i].platform, d[i].vendor, d[i].type,
               d[i].compute_units, d[i].max_clock_mhz, mem, alloc, d[i].opencl_c_version,
               d[i].driver_version);
    }
}

int gal_cmd_devices(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return GAL_EXIT_OK;
        } else {
            return gal_usage_error("devices", "unknown argument '%s'", argv[i]);
        }
    }

    size_t n = 0;
    int rc = gal_cl_list_devices(NULL, 0, &n);
    if (rc)
        return gal_report(rc);
    gal_cl_device_info *d = NULL;
    if (n) {
        if (!(d = gal_calloc(n, sizeof *d)))
            return gal_report(gal_error_set(GAL_ENOMEM, "out of memory listing devices"));
        size_t again = 0;
        if ((rc = gal_cl_list_devices(d, n, &again))) {
            gal_free(d);
            return gal_report(rc);
        }
        if (again < n) /* a device went away between the two calls */
            n = again;
    }
    if (json)
        print_json(d, n);
    else
        print_lines(d, n);
    gal_free(d);
    if (n == 0) {
        fputs("galley: no OpenCL devices found\n", stderr);
        return GAL_EXIT_DEVICE;
    }
    return GAL_EXIT_OK;
}
