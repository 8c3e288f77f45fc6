// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmon-bpf-lines: the JIT line table of a loaded BPF program, one line
 * per line-info record: the kernel symbol of the function it is in (as
 * /proc/kallsyms names it, bpf_prog_TAG_NAME), the offset into its
 * machine code where the source line starts, the source file and line,
 * and the line's text.  tools/cmon-bench-prof places perf's samples with it
 * (bpftool needs libbfd to print the JIT code with its lines).
 *
 * Usage: cmon-bpf-lines PROG_ID
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

/* The kallsyms names of the @n functions at @addr ("?" where none), in
 * one pass over the file. */
static void syms_of(const uint64_t *addr, uint32_t n, char (*out)[256])
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256];
	unsigned long long a;
	uint32_t k;

	for (k = 0; k < n; k++)
		snprintf(out[k], sizeof(out[k]), "?");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %*s %255s", &a, name) == 2)
			for (k = 0; k < n; k++)
				if (a == addr[k] && out[k][0] == '?')
					snprintf(out[k], sizeof(out[k]), "%s",
						 name);
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info), nl, nk, i, k;
	struct bpf_line_info *li;
	uint64_t *jl, *ks;
	uint32_t *fl;
	struct btf *btf;
	char (*names)[256];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: cmon-bpf-lines PROG_ID\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "cmon-bpf-lines: program %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	nl = info.nr_jited_line_info;
	nk = info.nr_jited_ksyms;
	if (!nl || !nk || info.nr_line_info != nl || !info.btf_id) {
		fprintf(stderr, "cmon-bpf-lines: program %s has no JIT line "
			"table (not JITed, or no BTF)\n", argv[1]);
		return 1;
	}
	li = calloc(nl, sizeof(*li));
	jl = calloc(nl, sizeof(*jl));
	ks = calloc(nk, sizeof(*ks));
	fl = calloc(nk, sizeof(*fl));
	names = calloc(nk, sizeof(*names));
	if (!li || !jl || !ks || !fl || !names)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = nl;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (uintptr_t)li;
	info.nr_jited_line_info = nl;
	info.jited_line_info_rec_size = sizeof(*jl);
	info.jited_line_info = (uintptr_t)jl;
	info.nr_jited_ksyms = nk;
	info.jited_ksyms = (uintptr_t)ks;
	info.nr_jited_func_lens = nk;
	info.jited_func_lens = (uintptr_t)fl;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "cmon-bpf-lines: %s\n", strerror(errno));
		return 1;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		fprintf(stderr, "cmon-bpf-lines: the program's BTF: %s\n",
			strerror(errno));
		return 1;
	}
	syms_of(ks, nk, names);
	for (i = 0; i < nl; i++) {
		const char *src = btf__name_by_offset(btf, li[i].line_off);
		const char *file = btf__name_by_offset(btf, li[i].file_name_off);

		for (k = 0; k < nk; k++)
			if (jl[i] >= ks[k] && jl[i] < ks[k] + fl[k])
				break;
		if (k == nk)
			continue;
		if (file && strrchr(file, '/'))
			file = strrchr(file, '/') + 1;
		printf("%s+0x%llx %s:%u: %s\n", names[k],
		       (unsigned long long)(jl[i] - ks[k]), file ? file : "?",
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col),
		       src ? src : "");
	}
	return 0;
}
