/*
 * cl_runtime.c — OpenCL platforms and devices, program builds, the binary
 * cache and the CL_* names.  See cl_runtime.h.
 */
#include "cl_runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "make_dirs.h"
#include "status.h"
#include "tokenizer_rules.h"

/* Returned by the ICD loader when no platform is installed (cl_khr_icd). */
#define GAL_CL_PLATFORM_NOT_FOUND_KHR (-1001)

const char *gal_cl_strerror(cl_int code)
{
    switch (code) {
#define C(x) case x: return #x
    C(CL_SUCCESS);
    C(CL_DEVICE_NOT_FOUND);
    C(CL_DEVICE_NOT_AVAILABLE);
    C(CL_COMPILER_NOT_AVAILABLE);
    C(CL_MEM_OBJECT_ALLOCATION_FAILURE);
    C(CL_OUT_OF_RESOURCES);
    C(CL_OUT_OF_HOST_MEMORY);
    C(CL_PROFILING_INFO_NOT_AVAILABLE);
    C(CL_MEM_COPY_OVERLAP);
    C(CL_IMAGE_FORMAT_MISMATCH);
    C(CL_IMAGE_FORMAT_NOT_SUPPORTED);
    C(CL_BUILD_PROGRAM_FAILURE);
    C(CL_MAP_FAILURE);
    C(CL_MISALIGNED_SUB_BUFFER_OFFSET);
    C(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    C(CL_COMPILE_PROGRAM_FAILURE);
    C(CL_LINKER_NOT_AVAILABLE);
    C(CL_LINK_PROGRAM_FAILURE);
    C(CL_DEVICE_PARTITION_FAILED);
    C(CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
    C(CL_INVALID_VALUE);
    C(CL_INVALID_DEVICE_TYPE);
    C(CL_INVALID_PLATFORM);
    C(CL_INVALID_DEVICE);
    C(CL_INVALID_CONTEXT);
    C(CL_INVALID_QUEUE_PROPERTIES);
    C(CL_INVALID_COMMAND_QUEUE);
    C(CL_INVALID_HOST_PTR);
    C(CL_INVALID_MEM_OBJECT);
    C(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR);
    C(CL_INVALID_IMAGE_SIZE);
    C(CL_INVALID_SAMPLER);
    C(CL_INVALID_BINARY);
    C(CL_INVALID_BUILD_OPTIONS);
    C(CL_INVALID_PROGRAM);
    C(CL_INVALID_PROGRAM_EXECUTABLE);
    C(CL_INVALID_KERNEL_NAME);
    C(CL_INVALID_KERNEL_DEFINITION);
    C(CL_INVALID_KERNEL);
    C(CL_INVALID_ARG_INDEX);
    C(CL_INVALID_ARG_VALUE);
    C(CL_INVALID_ARG_SIZE);
    C(CL_INVALID_KERNEL_ARGS);
    C(CL_INVALID_WORK_DIMENSION);
    C(CL_INVALID_WORK_GROUP_SIZE);
    C(CL_INVALID_WORK_ITEM_SIZE);
    C(CL_INVALID_GLOBAL_OFFSET);
    C(CL_INVALID_EVENT_WAIT_LIST);
    C(CL_INVALID_EVENT);
    C(CL_INVALID_OPERATION);
    C(CL_INVALID_GL_OBJECT);
    C(CL_INVALID_BUFFER_SIZE);
    C(CL_INVALID_MIP_LEVEL);
    C(CL_INVALID_GLOBAL_WORK_SIZE);
    C(CL_INVALID_PROPERTY);
    C(CL_INVALID_IMAGE_DESCRIPTOR);
    C(CL_INVALID_COMPILER_OPTIONS);
    C(CL_INVALID_LINKER_OPTIONS);
    C(CL_INVALID_DEVICE_PARTITION_COUNT);
#undef C
    case GAL_CL_PLATFORM_NOT_FOUND_KHR: return "CL_PLATFORM_NOT_FOUND_KHR";
    }
    return "CL_UNKNOWN_ERROR";
}

int gal_cl_fail(const char *call, cl_int code, const gal_cl *cl)
{
    if (cl)
        return gal_error_set(GAL_ECL, "%s failed: %s on '%s'", call, gal_cl_strerror(code),
                             cl->info.name);
    return gal_error_set(GAL_ECL, "%s failed: %s", call, gal_cl_strerror(code));
}

/* ---- enumeration ------------------------------------------------------ */

/* All platforms, in a gal_malloc'd array (NULL and 0 when there are none). */
static int get_platforms(cl_platform_id **out, cl_uint *n)
{
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &np);
    *out = NULL;
    *n = 0;
    if (err == GAL_CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && np == 0))
        return 0;
    if (err != CL_SUCCESS)
        return gal_cl_fail("clGetPlatformIDs", err, NULL);
    cl_platform_id *p = gal_malloc(np * sizeof *p);
    if (!p)
        return gal_error_set(GAL_ENOMEM, "out of memory listing OpenCL platforms");
    if ((err = clGetPlatformIDs(np, p, &np)) != CL_SUCCESS) {
        gal_free(p);
        return gal_cl_fail("clGetPlatformIDs", err, NULL);
    }
    *out = p;
    *n = np;
    return 0;
}

/* All devices of platform p (NULL and 0 when it has none). */
static int get_devices(cl_platform_id p, cl_device_id **out, cl_uint *n)
{
    cl_uint nd = 0;
    cl_int err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    *out = NULL;
    *n = 0;
    if (err == CL_DEVICE_NOT_FOUND || (err == CL_SUCCESS && nd == 0))
        return 0;
    if (err != CL_SUCCESS)
        return gal_cl_fail("clGetDeviceIDs", err, NULL);
    cl_device_id *d = gal_malloc(nd * sizeof *d);
    if (!d)
        return gal_error_set(GAL_ENOMEM, "out of memory listing OpenCL devices");
    if ((err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, d, &nd)) != CL_SUCCESS) {
        gal_free(d);
        return gal_cl_fail("clGetDeviceIDs", err, NULL);
    }
    *out = d;
    *n = nd;
    return 0;
}

/* strlcpy: copy src into dst[size], cut to fit. */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int get_string(const char *call, cl_int err, char *buf, size_t size, size_t got)
{
    if (err != CL_SUCCESS)
        return gal_cl_fail(call, err, NULL);
    /* Some drivers pad names with spaces or omit the NUL. */
    size_t n = got < size ? got : size - 1;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\0'))
        buf[--n] = '\0';
    size_t lead = 0;
    while (buf[lead] == ' ')
        lead++;
    memmove(buf, buf + lead, n - lead + 1);
    return 0;
}

static int device_string(cl_device_id d, cl_device_info what, char *buf, size_t size)
{
    size_t got = 0;
    char tmp[1024];
    cl_int err = clGetDeviceInfo(d, what, sizeof tmp, tmp, &got);
    if (err == CL_INVALID_VALUE) { /* longer than tmp: ask for the size first */
        err = clGetDeviceInfo(d, what, 0, NULL, &got);
        char *big = err == CL_SUCCESS ? gal_malloc(got + 1) : NULL;
        if (err == CL_SUCCESS && !big)
            return gal_error_set(GAL_ENOMEM, "out of memory reading device info");
        if (big) {
            err = clGetDeviceInfo(d, what, got, big, NULL);
            if (got > sizeof tmp - 1)
                got = sizeof tmp - 1;
            memcpy(tmp, big, got);
            gal_free(big);
        }
    }
    int rc = get_string("clGetDeviceInfo", err, tmp, sizeof tmp, got);
    if (rc)
        return rc;
    copy_str(buf, size, tmp);
    return 0;
}

static int fill_info(cl_platform_id p, cl_device_id d, unsigned index, gal_cl_device_info *info)
{
    char tmp[1024];
    size_t got = 0;
    cl_int err;
    int rc;
    memset(info, 0, sizeof *info);
    info->index = index;
    err = clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof tmp, tmp, &got);
    if ((rc = get_string("clGetPlatformInfo", err, tmp, sizeof tmp, got)))
        return rc;
    copy_str(info->platform, sizeof info->platform, tmp);
    if ((rc = device_string(d, CL_DEVICE_NAME, info->name, sizeof info->name)) ||
        (rc = device_string(d, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor)) ||
        (rc = device_string(d, CL_DEVICE_OPENCL_C_VERSION, info->opencl_c_version,
                            sizeof info->opencl_c_version)) ||
        (rc = device_string(d, CL_DRIVER_VERSION, info->driver_version,
                            sizeof info->driver_version)))
        return rc;

    cl_device_type type = 0;
    cl_uint cus = 0, mhz = 0;
    cl_ulong mem = 0, alloc = 0;
    if ((err = clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL)) != CL_SUCCESS ||
        (err = clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cus, &cus, NULL)) !=
            CL_SUCCESS ||
        (err = clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof mhz, &mhz, NULL)) !=
            CL_SUCCESS ||
        (err = clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL)) !=
            CL_SUCCESS ||
        (err = clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof alloc, &alloc, NULL)) !=
            CL_SUCCESS)
        return gal_error_set(GAL_ECL, "clGetDeviceInfo failed: %s on '%s'",
                             gal_cl_strerror(err), info->name);
    const char *t = "OTHER";
    if (type & CL_DEVICE_TYPE_GPU)
        t = "GPU";
    else if (type & CL_DEVICE_TYPE_CPU)
        t = "CPU";
    else if (type & CL_DEVICE_TYPE_ACCELERATOR)
        t = "ACCELERATOR";
    else if (type & CL_DEVICE_TYPE_CUSTOM)
        t = "CUSTOM";
    copy_str(info->type, sizeof info->type, t);
    info->compute_units = cus;
    info->max_clock_mhz = mhz;
    info->global_mem_bytes = mem;
    info->max_alloc_bytes = alloc;
    return 0;
}

/* Calls visit(p, d, index, ctx) for every device in global order until it
 * returns nonzero; returns that value, or 0. */
typedef int (*device_visitor)(cl_platform_id p, cl_device_id d, unsigned index, void *ctx);

/* PoCL runs a work-group as a loop over its items.  With its work-group
 * method left unset, the tokenizer's chunk scan, one long divergent loop
 * per item, compiles 1.6x slower than with "auto" said outright (or
 * "loops"; PoCL 3.1 here: gal_emit_slots 0.053 -> 0.033 s per 31 MB batch,
 * the other kernels within 0.002 s).  galley asks for auto unless the user
 * chose a method; other drivers ignore the variable.  (It asked for "cbs"
 * before, a name PoCL 3.1 does not know: it fell back to auto, printing
 * "Unknown work group generation method" at every kernel compile.)  PoCL
 * caches compiled kernels by program and build options, not by method, so
 * the builds carry a define of their own: kernels compiled the other way
 * are not reused. */
#define POCL_METHOD_DEFINE " -DGAL_POCL_WORK_GROUP_METHOD_AUTO"
static int pocl_method_chosen;

static void choose_pocl_method(void)
{
    if (!pocl_method_chosen && !getenv("POCL_WORK_GROUP_METHOD") &&
        setenv("POCL_WORK_GROUP_METHOD", "auto", 0) == 0)
        pocl_method_chosen = 1;
}

static int each_device(device_visitor visit, void *ctx, unsigned *total)
{
    choose_pocl_method(); /* before any OpenCL call: see above */
    cl_platform_id *plats = NULL;
    cl_uint np = 0;
    unsigned index = 0;
    int rc = get_platforms(&plats, &np);
    for (cl_uint i = 0; !rc && i < np; i++) {
        cl_device_id *devs = NULL;
        cl_uint nd = 0;
        if ((rc = get_devices(plats[i], &devs, &nd))) {
            if (rc != GAL_ECL)
                break;
            /* One broken driver should not hide the others. */
            fprintf(stderr, "galley: warning: skipping OpenCL platform %u: %s\n", i,
                    gal_error_detail(rc));
            rc = 0;
            continue;
        }
        for (cl_uint j = 0; !rc && j < nd; j++)
            rc = visit(plats[i], devs[j], index++, ctx);
        gal_free(devs);
    }
    gal_free(plats);
    if (total)
        *total = index;
    return rc;
}

struct list_ctx {
    gal_cl_device_info *out;
    size_t cap;
};

static int list_visit(cl_platform_id p, cl_device_id d, unsigned index, void *ctx)
{
    struct list_ctx *lc = ctx;
    if (index < lc->cap)
        return fill_info(p, d, index, &lc->out[index]);
    return 0;
}

int gal_cl_list_devices(gal_cl_device_info *out, size_t cap, size_t *count)
{
    struct list_ctx lc = {out, out ? cap : 0};
    unsigned total = 0;
    int rc = each_device(list_visit, &lc, &total);
    if (rc)
        return rc;
    *count = total;
    return 0;
}

/* ---- open / close ----------------------------------------------------- */

struct pick_ctx {
    long want;          /* global index, or -1 for "auto" */
    unsigned skip_gpus; /* auto: GPUs to pass over before the one taken */
    int found_gpu;      /* auto: a GPU was found (stop) */
    int found;          /* a device was chosen */
    unsigned rank;      /* auto: the chosen one's, 2 a GPU, 1 neither GPU nor CPU, 0 a CPU */
    int no_cpu;         /* auto for a build: a CPU device is never taken */
    cl_platform_id platform;
    cl_device_id device;
    unsigned index;
};

static int pick_visit(cl_platform_id p, cl_device_id d, unsigned index, void *ctx)
{
    struct pick_ctx *pc = ctx;
    if (pc->want >= 0) {
        if ((long)index != pc->want)
            return 0;
        pc->found = 1;
    } else {
        cl_device_type type = 0;
        cl_int err = clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
        if (err != CL_SUCCESS)
            return gal_cl_fail("clGetDeviceInfo", err, NULL);
        unsigned rank = (type & CL_DEVICE_TYPE_GPU) ? 2u : (type & CL_DEVICE_TYPE_CPU) ? 0u : 1u;
        if (rank == 0u && pc->no_cpu)
            return 0;
        if (rank == 2u && pc->skip_gpus) { /* another run's */
            pc->skip_gpus--;
            return 0;
        }
        if (pc->found && rank <= pc->rank)
            return 0;
        pc->found = 1;
        pc->rank = rank;
        pc->found_gpu = rank == 2u;
    }
    pc->platform = p;
    pc->device = d;
    pc->index = index;
    return pc->want >= 0 || pc->found_gpu ? 1 : 0; /* 1 stops the walk */
}

/* Counts the GPUs, for gal_cl_open_slot. */
static int count_gpu(cl_platform_id p, cl_device_id d, unsigned index, void *ctx)
{
    (void)p;
    (void)index;
    cl_device_type type = 0;
    cl_int err = clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (err != CL_SUCCESS)
        return gal_cl_fail("clGetDeviceInfo", err, NULL);
    *(unsigned *)ctx += (type & CL_DEVICE_TYPE_GPU) != 0;
    return 0;
}

int gal_cl_open(const char *spec, gal_cl **out)
{
    return gal_cl_open_slot(spec, 0, out);
}

/* gal_cl_open_slot, and with no_cpu gal_cl_open_for_build ("auto" only) */
static int open_picked(const char *spec, unsigned slot, int no_cpu, gal_cl **out)
{
    struct pick_ctx pc = {.want = -1, .no_cpu = no_cpu};
    *out = NULL;
    if (spec && *spec && strcmp(spec, "auto") != 0) {
        char *end = NULL;
        errno = 0;
        long v = strtol(spec, &end, 10);
        if (*spec < '0' || *spec > '9' || *end || errno || v > 0xFFFF)
            return gal_error_set(GAL_EUSAGE,
                                 "bad OpenCL device '%s' (want 'auto' or an index from "
                                 "'galley devices')",
                                 spec);
        pc.want = v;
    }
    unsigned total = 0;
    int rc;
    if (pc.want < 0 && slot) {
        unsigned gpus = 0;
        if ((rc = each_device(count_gpu, &gpus, &total)) < 0)
            return rc;
        pc.skip_gpus = gpus ? slot % gpus : 0;
    }
    rc = each_device(pick_visit, &pc, &total);
    if (rc < 0)
        return rc;
    if (!pc.found) {
        if (total == 0)
            return gal_error_set(GAL_ENOTFOUND, "no OpenCL platform or device found");
        if (pc.want < 0) /* CPU devices only, passed over (no_cpu) */
            return 0;
        return gal_error_set(GAL_ENOTFOUND, "no OpenCL device %ld (there are %u)", pc.want,
                             total);
    }

    const char *design = getenv("GALLEY_CL_DESIGN");
    if (design && *design && strcmp(design, "cpu") != 0 && strcmp(design, "gpu") != 0)
        return gal_error_set(GAL_EUSAGE, "bad GALLEY_CL_DESIGN '%s' (want cpu or gpu)", design);
    const char *wait = getenv("GALLEY_CL_WAIT");
    if (wait && *wait && strcmp(wait, "block") != 0 && strcmp(wait, "poll") != 0)
        return gal_error_set(GAL_EUSAGE, "bad GALLEY_CL_WAIT '%s' (want block or poll)", wait);
    gal_cl *cl = gal_calloc(1, sizeof *cl);
    if (!cl)
        return gal_error_set(GAL_ENOMEM, "out of memory opening an OpenCL device");
    cl->platform = pc.platform;
    cl->device = pc.device;
    if ((rc = fill_info(pc.platform, pc.device, pc.index, &cl->info)))
        goto fail;
    cl->cpu_design = design && *design ? strcmp(design, "cpu") == 0
                                       : strcmp(cl->info.type, "CPU") == 0;
    cl->poll_wait = wait && !strcmp(wait, "poll");
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)pc.platform,
                                     0};
    cl->context = clCreateContext(props, 1, &cl->device, NULL, NULL, &err);
    if (!cl->context) {
        rc = gal_cl_fail("clCreateContext", err, cl);
        goto fail;
    }
    /* profiling costs a timestamp per command, a few dozen per batch */
    cl->queue = clCreateCommandQueue(cl->context, cl->device, CL_QUEUE_PROFILING_ENABLE, &err);
    if (!cl->queue) {
        rc = gal_cl_fail("clCreateCommandQueue", err, cl);
        goto fail;
    }
    *out = cl;
    return 0;
fail:
    gal_cl_close(cl);
    return rc;
}

int gal_cl_open_slot(const char *spec, unsigned slot, gal_cl **out)
{
    return open_picked(spec, slot, 0, out);
}

int gal_cl_open_for_build(unsigned slot, gal_cl **out)
{
    return open_picked("auto", slot, 1, out);
}

void gal_cl_close(gal_cl *cl)
{
    if (!cl)
        return;
    if (cl->queue) {
        clFinish(cl->queue);
        gal_cl_profile_collect(cl);
        clReleaseCommandQueue(cl->queue);
    }
    gal_free(cl->pending);
    if (cl->context)
        clReleaseContext(cl->context);
    gal_free(cl);
}

/* ---- sources ---------------------------------------------------------- */

/* The text of kernel file name: from GALLEY_KERNEL_DIR (a gal_malloc'd copy
 * in *owned) or from the embedded table. */
static int load_source(const char *name, const char **text, size_t *len, char **owned)
{
    const char *dir = getenv("GALLEY_KERNEL_DIR");
    *owned = NULL;
    if (dir && *dir) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
            return gal_error_set(GAL_EIO, "kernel path too long: '%s/%s'", dir, name);
        FILE *f = fopen(path, "rb");
        if (!f)
            return gal_error_set(errno == ENOENT ? GAL_ENOTFOUND : GAL_EIO,
                                 "cannot open '%s': %s", path, strerror(errno));
        char *buf = NULL;
        size_t n = 0, cap = 0;
        for (;;) {
            if (n == cap) {
                cap = cap ? cap * 2 : 65536;
                char *b = gal_realloc(buf, cap + 1);
                if (!b) {
                    gal_free(buf);
                    fclose(f);
                    return gal_error_set(GAL_ENOMEM, "out of memory reading '%s'", path);
                }
                buf = b;
            }
            size_t got = fread(buf + n, 1, cap - n, f);
            n += got;
            if (got == 0)
                break;
        }
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            gal_free(buf);
            return gal_error_set(GAL_EIO, "cannot read '%s'", path);
        }
        buf[n] = '\0';
        *text = buf;
        *len = n;
        *owned = buf;
        return 0;
    }
    for (const struct gal_embedded_kernel *k = gal_embedded_kernels; k->name; k++)
        if (!strcmp(k->name, name)) {
            *text = (const char *)k->bytes;
            *len = k->size;
            return 0;
        }
    return gal_error_set(GAL_ENOTFOUND, "no kernel source '%s' in this build", name);
}

/* ---- binary cache ----------------------------------------------------- */

#define CACHE_MAGIC "GALCLBN1"

typedef struct cache_key {
    uint64_t a, b;
} cache_key;

static void key_add(gal_hasher *h1, gal_hasher *h2, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gal_hasher_byte(h1, (unsigned char)s[i]);
        gal_hasher_byte(h2, (unsigned char)s[i]);
    }
    /* a length marker keeps ("ab","c") and ("a","bc") apart */
    for (int k = 0; k < 8; k++) {
        gal_hasher_byte(h1, (unsigned)((uint64_t)n >> (8 * k)));
        gal_hasher_byte(h2, (unsigned)((uint64_t)n >> (8 * k)));
    }
}

static cache_key make_key(const gal_cl *cl, const char *rules, size_t nrules, const char *extra,
                          size_t nextra, const char *src, size_t nsrc, const char *options)
{
    gal_hasher h1, h2;
    gal_hasher_init(&h1, 0x6A09E667F3BCC908ull);
    gal_hasher_init(&h2, 0xBB67AE8584CAA73Bull);
    key_add(&h1, &h2, rules, nrules);
    key_add(&h1, &h2, extra, nextra);
    key_add(&h1, &h2, src, nsrc);
    key_add(&h1, &h2, options, strlen(options));
    key_add(&h1, &h2, cl->info.platform, strlen(cl->info.platform));
    key_add(&h1, &h2, cl->info.name, strlen(cl->info.name));
    key_add(&h1, &h2, cl->info.driver_version, strlen(cl->info.driver_version));
    key_add(&h1, &h2, cl->info.opencl_c_version, strlen(cl->info.opencl_c_version));
    cache_key k = {gal_hasher_final(&h1), gal_hasher_final(&h2)};
    return k;
}

/* The cache directory (created if needed) in buf, or 0 when there is none. */
static int cache_dir(char *buf, size_t size, int create)
{
    const char *env = getenv("GALLEY_CACHE_DIR");
    int n;
    if (env && *env) {
        n = snprintf(buf, size, "%s", env);
    } else if ((env = getenv("XDG_CACHE_HOME")) && *env) {
        n = snprintf(buf, size, "%s/galley", env);
    } else if ((env = getenv("HOME")) && *env) {
        n = snprintf(buf, size, "%s/.cache/galley", env);
    } else {
        return 0;
    }
    if (n < 0 || (size_t)n >= size)
        return 0;
    if (!create)
        return 1;
    return gal_make_dirs(buf, 1) == 0;
}

static int cache_path(char *buf, size_t size, cache_key key, int create)
{
    char dir[4096];
    if (!cache_dir(dir, sizeof dir, create))
        return 0;
    int n = snprintf(buf, size, "%s/%016llx%016llx.clbin", dir, (unsigned long long)key.a,
                     (unsigned long long)key.b);
    return n > 0 && (size_t)n < size;
}

/* A binary for key from the cache, gal_malloc'd, or NULL. */
static unsigned char *cache_load(cache_key key, size_t *len)
{
    char path[4200];
    if (!cache_path(path, sizeof path, key, 0))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *bin = NULL;
    char magic[8];
    uint64_t k[2], n;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, CACHE_MAGIC, 8) ||
        fread(k, sizeof k[0], 2, f) != 2 || k[0] != key.a || k[1] != key.b ||
        fread(&n, sizeof n, 1, f) != 1 || n == 0 || n > ((uint64_t)1 << 30))
        goto out;
    if (!(bin = gal_malloc((size_t)n)))
        goto out;
    if (fread(bin, 1, (size_t)n, f) != n || fgetc(f) != EOF) {
        gal_free(bin);
        bin = NULL;
        goto out;
    }
    *len = (size_t)n;
out:
    fclose(f);
    return bin;
}

/* Store prog's binary under key; failures are ignored (the cache is only a
 * shortcut).  Written to a unique temporary name and renamed, so a reader
 * never sees half a file. */
static void cache_store(cl_program prog, cache_key key)
{
    size_t n = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof n, &n, NULL) != CL_SUCCESS ||
        n == 0)
        return;
    unsigned char *bin = gal_malloc(n);
    if (!bin)
        return;
    unsigned char *bins[1] = {bin};
    char path[4200], tmp[4300];
    FILE *f = NULL;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) != CL_SUCCESS ||
        !cache_path(path, sizeof path, key, 1))
        goto out;
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        goto out;
    if (!(f = fdopen(fd, "wb"))) {
        close(fd);
        remove(tmp);
        goto out;
    }
    uint64_t k[2] = {key.a, key.b}, len = n;
    int ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(k, sizeof k[0], 2, f) == 2 &&
             fwrite(&len, sizeof len, 1, f) == 1 && fwrite(bin, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0)
        remove(tmp);
out:
    gal_free(bin);
}

/* ---- build ------------------------------------------------------------ */

static void print_build_log(const gal_cl *cl, cl_program prog, const char *name)
{
    size_t n = 0;
    if (clGetProgramBuildInfo(prog, cl->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) !=
            CL_SUCCESS ||
        n == 0)
        return;
    char *log = gal_malloc(n + 1);
    if (!log)
        return;
    if (clGetProgramBuildInfo(prog, cl->device, CL_PROGRAM_BUILD_LOG, n, log, NULL) ==
        CL_SUCCESS) {
        log[n] = '\0';
        fprintf(stderr, "galley: build log of '%s' on '%s':\n%s\n", name, cl->info.name, log);
    }
    gal_free(log);
}

/* Try the cached binary; 1 and *out on success, 0 otherwise. */
static int build_from_cache(gal_cl *cl, cache_key key, const char *options, cl_program *out)
{
    size_t len = 0;
    unsigned char *bin = cache_load(key, &len);
    if (!bin)
        return 0;
    const unsigned char *bins[1] = {bin};
    cl_int status = CL_SUCCESS, err;
    cl_program prog =
        clCreateProgramWithBinary(cl->context, 1, &cl->device, &len, bins, &status, &err);
    gal_free(bin);
    if (!prog)
        return 0;
    if (err != CL_SUCCESS || status != CL_SUCCESS ||
        clBuildProgram(prog, 1, &cl->device, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(prog);
        return 0;
    }
    *out = prog;
    return 1;
}

/* A second rules header that some kernels need between tokenizer_rules.h
 * and their own text (entities.cl: the entity rules the host reference
 * shares), or NULL. */
static const char *extra_header(const char *kernel_file_name)
{
    return strcmp(kernel_file_name, "entities.cl") == 0 ? "entity_rules.h" : NULL;
}

int gal_cl_build(gal_cl *cl, const char *kernel_file_name, const char *options,
                 cl_program *out)
{
    const char *rules = NULL, *src = NULL, *extra = NULL;
    size_t nrules = 0, nsrc = 0, nextra = 0;
    char *own_rules = NULL, *own_src = NULL, *own_extra = NULL, *opts = NULL;
    cl_program prog = NULL;
    int rc;
    const char *extra_name = extra_header(kernel_file_name);
    if ((rc = load_source("tokenizer_rules.h", &rules, &nrules, &own_rules)) ||
        (extra_name && (rc = load_source(extra_name, &extra, &nextra, &own_extra))) ||
        (rc = load_source(kernel_file_name, &src, &nsrc, &own_src)))
        goto out;

    const char *method = pocl_method_chosen ? POCL_METHOD_DEFINE : "";
    size_t nopts = strlen("-cl-std=CL1.2 ") + (options ? strlen(options) : 0) + strlen(method) + 1;
    if (!(opts = gal_malloc(nopts))) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory building '%s'", kernel_file_name);
        goto out;
    }
    snprintf(opts, nopts, "-cl-std=CL1.2 %s%s", options ? options : "", method);

    cache_key key = make_key(cl, rules, nrules, extra ? extra : "", nextra, src, nsrc, opts);
    if (build_from_cache(cl, key, opts, out)) {
        rc = 0;
        goto out;
    }

    const char *texts[3] = {rules, extra ? extra : src, src};
    size_t lens[3] = {nrules, extra ? nextra : nsrc, nsrc};
    cl_int err;
    prog = clCreateProgramWithSource(cl->context, extra ? 3 : 2, texts, lens, &err);
    if (!prog) {
        rc = gal_cl_fail("clCreateProgramWithSource", err, cl);
        goto out;
    }
    err = clBuildProgram(prog, 1, &cl->device, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        if (err == CL_BUILD_PROGRAM_FAILURE)
            print_build_log(cl, prog, kernel_file_name);
        rc = gal_error_set(GAL_ECL, "clBuildProgram failed: %s on '%s' (building '%s')",
                           gal_cl_strerror(err), cl->info.name, kernel_file_name);
        clReleaseProgram(prog);
        goto out;
    }
    cache_store(prog, key);
    *out = prog;
    rc = 0;
out:
    gal_free(opts);
    gal_free(own_rules);
    gal_free(own_extra);
    gal_free(own_src);
    return rc;
}

/* ---- buffers and launches, for the kernels' drivers ---- */

int gal_cl_env_switch(const char *name, int dflt, int *on)
{
    const char *env = getenv(name);
    if (env && *env && strcmp(env, "0") && strcmp(env, "1"))
        return gal_error_set(GAL_EUSAGE, "bad %s '%s' (want 0 or 1)", name, env);
    *on = env && *env ? env[0] == '1' : dflt;
    return 0;
}

int gal_cl_kernels_new(gal_cl *cl, const char *kernel_file_name, const char *const *names,
                       size_t n, cl_program *prog, cl_kernel *k, size_t *wg)
{
    int rc = gal_cl_build(cl, kernel_file_name, NULL, prog);
    for (size_t i = 0; i < n && !rc; i++) {
        cl_int err;
        if (!(k[i] = clCreateKernel(*prog, names[i], &err)))
            return gal_error_set(GAL_ECL, "clCreateKernel failed: %s on '%s' (kernel %s)",
                                 gal_cl_strerror(err), cl->info.name, names[i]);
        wg[i] = 0;
        err = clGetKernelWorkGroupInfo(k[i], cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof *wg,
                                       &wg[i], NULL);
        if (err != CL_SUCCESS)
            rc = gal_cl_fail("clGetKernelWorkGroupInfo", err, cl);
    }
    return rc;
}

void gal_cl_kernels_release(cl_program prog, cl_kernel *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (k[i])
            clReleaseKernel(k[i]);
    if (prog)
        clReleaseProgram(prog);
}

int gal_cl_buf_reserve(const gal_cl *cl, gal_cl_buf *b, size_t size, cl_mem_flags flags)
{
    if (size == 0)
        size = 1;
    if (b->mem && b->size >= size)
        return 0;
    if (b->mem) {
        gal_cl_buf_release(b);
        size += size / 4; /* grown once: leave room to grow again */
    }
    cl_int err;
    b->mem = clCreateBuffer(cl->context, flags, size, NULL, &err);
    if (!b->mem)
        return gal_error_set(GAL_ECL, "clCreateBuffer failed: %s on '%s' (%zu bytes)",
                             gal_cl_strerror(err), cl->info.name, size);
    b->size = size;
    return 0;
}

void gal_cl_buf_release(gal_cl_buf *b)
{
    if (b->mem)
        clReleaseMemObject(b->mem);
    b->mem = NULL;
    b->size = 0;
}

/* Room for one more profiled command: its event slot, or NULL when the list
 * cannot grow (the command then runs untimed). */
static cl_event *pending_slot(gal_cl *cl, int kind, size_t bytes)
{
    if (cl->npending == cl->pending_cap) {
        size_t cap = cl->pending_cap ? cl->pending_cap * 2 : 64;
        gal_cl_pending *p = gal_realloc(cl->pending, cap * sizeof *p);
        if (!p) {
            cl->prof.untimed++;
            return NULL;
        }
        cl->pending = p;
        cl->pending_cap = cap;
    }
    gal_cl_pending *p = &cl->pending[cl->npending];
    p->event = NULL;
    p->kind = kind;
    p->bytes = bytes;
    p->kernel = NULL;
    return &p->event;
}

/* The command behind the slot pending_slot gave was queued (event set). */
static void pending_push(gal_cl *cl, cl_event *slot)
{
    if (slot && *slot)
        cl->npending++;
}

enum { KIND_H2D, KIND_KERNEL, KIND_D2H };

int gal_cl_buf_write(gal_cl *cl, const gal_cl_buf *b, const void *src, size_t size)
{
    if (size == 0)
        return 0;
    cl_event *ev = pending_slot(cl, KIND_H2D, size);
    cl_int err = clEnqueueWriteBuffer(cl->queue, b->mem, CL_FALSE, 0, size, src, 0, NULL, ev);
    if (err != CL_SUCCESS)
        return gal_error_set(GAL_ECL, "clEnqueueWriteBuffer failed: %s on '%s' (%zu bytes)",
                             gal_cl_strerror(err), cl->info.name, size);
    pending_push(cl, ev);
    return 0;
}

int gal_cl_buf_read(gal_cl *cl, const gal_cl_buf *b, void *dst, size_t size, cl_bool block)
{
    if (size == 0)
        return 0;
    cl_event *ev = pending_slot(cl, KIND_D2H, size);
    cl_bool wait_here = block && !cl->poll_wait;
    cl_int err = clEnqueueReadBuffer(cl->queue, b->mem, wait_here, 0, size, dst, 0, NULL, ev);
    if (err != CL_SUCCESS)
        return gal_error_set(GAL_ECL, "clEnqueueReadBuffer failed: %s on '%s' (%zu bytes)",
                             gal_cl_strerror(err), cl->info.name, size);
    pending_push(cl, ev);
    if (block && !wait_here && (err = gal_cl_finish(cl)) != CL_SUCCESS)
        return gal_cl_fail("clFinish", err, cl);
    return 0;
}

/* The polling wait's sleeps: short at first, as most waits are for a few
 * copies and kernels (milliseconds), then longer, never long enough to
 * matter against a batch's device time. */
#define POLL_FIRST_NS 20000L
#define POLL_MOST_NS 200000L

cl_int gal_cl_finish(gal_cl *cl)
{
    cl_event marker;
    if (cl->poll_wait && clEnqueueMarkerWithWaitList(cl->queue, 0, NULL, &marker) == CL_SUCCESS) {
        clFlush(cl->queue);
        long ns = POLL_FIRST_NS;
        for (;;) {
            cl_int status = CL_COMPLETE;
            if (clGetEventInfo(marker, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status,
                               NULL) != CL_SUCCESS ||
                status <= CL_COMPLETE) /* done, or failed: clFinish says how */
                break;
            struct timespec ts = {0, ns};
            nanosleep(&ts, NULL);
            ns = ns * 2 < POLL_MOST_NS ? ns * 2 : POLL_MOST_NS;
        }
        clReleaseEvent(marker);
    }
    return clFinish(cl->queue); /* at once after the marker */
}

static void add_kernel_time(gal_cl_profile *pf, const char *name, double sec)
{
    unsigned k = 0;
    while (k < pf->nkernels && strncmp(pf->kernels[k].name, name, sizeof pf->kernels[k].name - 1))
        k++;
    if (k == pf->nkernels) {
        if (k == GAL_CL_MAX_KERNEL_TIMES)
            return; /* still in kernel_sec */
        snprintf(pf->kernels[k].name, sizeof pf->kernels[k].name, "%s", name);
        pf->nkernels++;
    }
    pf->kernels[k].sec += sec;
    pf->kernels[k].launches++;
}

void gal_cl_profile_collect(gal_cl *cl)
{
    for (size_t i = 0; i < cl->npending; i++) {
        gal_cl_pending *p = &cl->pending[i];
        cl_ulong start = 0, end = 0;
        if (clGetEventProfilingInfo(p->event, CL_PROFILING_COMMAND_START, sizeof start, &start,
                                    NULL) != CL_SUCCESS ||
            clGetEventProfilingInfo(p->event, CL_PROFILING_COMMAND_END, sizeof end, &end,
                                    NULL) != CL_SUCCESS ||
            end < start) {
            cl->prof.untimed++;
        } else {
            double sec = (double)(end - start) * 1e-9;
            cl->prof.timed++;
            if (p->kind == KIND_H2D) {
                cl->prof.h2d_sec += sec;
                cl->prof.h2d_bytes += p->bytes;
            } else if (p->kind == KIND_D2H) {
                cl->prof.d2h_sec += sec;
                cl->prof.d2h_bytes += p->bytes;
            } else {
                cl->prof.kernel_sec += sec;
                add_kernel_time(&cl->prof, p->kernel ? p->kernel : "?", sec);
            }
        }
        clReleaseEvent(p->event);
    }
    cl->npending = 0;
}

int gal_cl_set_args(const gal_cl *cl, cl_kernel k, const char *name, const gal_cl_arg *args,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cl_int err = clSetKernelArg(k, (cl_uint)i, args[i].size, args[i].val);
        if (err != CL_SUCCESS)
            return gal_error_set(GAL_ECL, "clSetKernelArg failed: %s on '%s' (%s arg %zu)",
                                 gal_cl_strerror(err), cl->info.name, name, i);
    }
    return 0;
}

int gal_cl_launch(gal_cl *cl, cl_kernel k, const char *name, size_t n, size_t local)
{
    size_t global = (n + local - 1) / local * local;
    cl_event *ev = pending_slot(cl, KIND_KERNEL, 0);
    if (ev)
        cl->pending[cl->npending].kernel = name;
    cl_int err = clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, &local, 0, NULL, ev);
    if (err != CL_SUCCESS)
        return gal_error_set(GAL_ECL, "clEnqueueNDRangeKernel failed: %s on '%s' (%s, %zu items)",
                             gal_cl_strerror(err), cl->info.name, name, n);
    pending_push(cl, ev);
    return 0;
}
