// SPDX-License-Identifier: BSD-2-Clause
/* What cmon takes from a container runtime's inspect documents
 * (kmod-free/runtime.h), as Docker 20.10 and Podman 4 write them. */
#include <string.h>
#include <sys/stat.h>
#include "runtime.h"
#include "unit.h"

/* The namespace file of this process stands for a container's sandbox. */
#define SANDBOX "/proc/self/ns/net"

static const char docker_doc[] =
	"{\"Id\":\"8f3c1d2e4b5a69788f3c1d2e4b5a6978aa\",\"Name\":\"/shop-web-1\","
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242},"
	"\"Config\":{\"Image\":\"cmon/web:2\",\"Labels\":{"
	"\"com.docker.compose.project\":\"shop\","
	"\"com.docker.compose.service\":\"web\",\"tier\":\"front\"}},"
	"\"NetworkSettings\":{\"SandboxKey\":\"" SANDBOX "\"}}";

static const char podman_doc[] =
	"{\"Id\":\"0123456789abcdef0123\",\"Name\":\"db\","
	"\"State\":{\"Running\":true},"
	"\"Config\":{\"Image\":\"localhost/db:1\",\"Labels\":null},"
	"\"NetworkSettings\":{\"SandboxKey\":\"" SANDBOX "\"}}";

static const char *label(const struct cmon_ct_meta *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].key, key))
			return m->labels[i].value;
	return NULL;
}

static void test_runtime_docker_inspect(void)
{
	struct cmon_rt_container c;
	struct stat st;

	CU_ASSERT_FATAL(cmon_rt_parse_inspect(docker_doc, "docker", &c) == 0);
	CU_ASSERT_FATAL(stat(SANDBOX, &st) == 0);
	CU_ASSERT_EQUAL(c.netns, (uint32_t)st.st_ino);
	CU_ASSERT_STRING_EQUAL(c.meta.runtime, "docker");
	CU_ASSERT_STRING_EQUAL(c.meta.name, "shop-web-1");	/* no '/' */
	CU_ASSERT_STRING_EQUAL(c.meta.id, "8f3c1d2e4b5a");
	CU_ASSERT_STRING_EQUAL(c.meta.image, "cmon/web:2");
	CU_ASSERT_STRING_EQUAL(c.meta.project, "shop");
	CU_ASSERT_STRING_EQUAL(c.meta.service, "web");
	CU_ASSERT_EQUAL(c.meta.nlabels, 3);
	CU_ASSERT_STRING_EQUAL(label(&c.meta, "tier"), "front");
	cmon_rt_clear(&c);
}

static void test_runtime_podman_inspect(void)
{
	struct cmon_rt_container c;

	CU_ASSERT_FATAL(cmon_rt_parse_inspect(podman_doc, "podman", &c) == 0);
	CU_ASSERT_STRING_EQUAL(c.meta.name, "db");
	CU_ASSERT_STRING_EQUAL(c.meta.id, "0123456789ab");
	CU_ASSERT_STRING_EQUAL(c.meta.project, "");
	CU_ASSERT_EQUAL(c.meta.nlabels, 0);
	cmon_rt_clear(&c);
}

/* What cmon cannot place is no container: stopped, no namespace, a
 * namespace that is gone, not a document; labels that are not strings
 * are left out. */
static void test_runtime_not_containers(void)
{
	static const char *const bad[] = {
		"{\"Id\":\"a\",\"Name\":\"/x\",\"State\":{\"Running\":false},"
		"\"NetworkSettings\":{\"SandboxKey\":\"" SANDBOX "\"}}",
		"{\"Id\":\"a\",\"Name\":\"/x\",\"State\":{\"Running\":true},"
		"\"NetworkSettings\":{\"SandboxKey\":\"\"}}",
		"{\"Id\":\"a\",\"Name\":\"/x\",\"State\":{\"Running\":true},"
		"\"NetworkSettings\":{\"SandboxKey\":\"/nonexistent/ns\"}}",
		"{\"Name\":\"/x\",\"State\":{\"Running\":true},"
		"\"NetworkSettings\":{\"SandboxKey\":\"" SANDBOX "\"}}",
		"{\"Id\":\"a\",\"Name\":\"/x\",\"State\":{\"Running\":tr",
		"[]", "", NULL,
	};
	struct cmon_rt_container c;
	unsigned int i;

	for (i = 0; bad[i]; i++)
		CU_ASSERT_EQUAL(cmon_rt_parse_inspect(bad[i], "docker", &c), -1);
	CU_ASSERT_FATAL(cmon_rt_parse_inspect(
		"{\"Id\":\"abc\",\"Name\":\"/x\",\"State\":{\"Running\":true},"
		"\"Config\":{\"Labels\":{\"n\":1,\"s\":\"v\"}},"
		"\"NetworkSettings\":{\"SandboxKey\":\"" SANDBOX "\"}}",
		"docker", &c) == 0);
	CU_ASSERT_EQUAL(c.meta.nlabels, 1);
	CU_ASSERT_STRING_EQUAL(c.meta.image, "");
	cmon_rt_clear(&c);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "test_runtime_docker_inspect", test_runtime_docker_inspect },
		{ "test_runtime_podman_inspect", test_runtime_podman_inspect },
		{ "test_runtime_not_containers", test_runtime_not_containers },
		{ NULL, NULL },
	};

	return unit_run("runtime", cases);
}
