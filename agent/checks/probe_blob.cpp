// The probe module (atelier-agent-probes.so), embedded in the agent's own binary so that a
// guest needs one file. The bytes sit in .rodata and are paged in only when the first probe
// check copies them to a memfd and dlopens it (see probe_loader.cpp).
#ifndef ATELIER_AGENT_PROBES_BUILD_PATH
#error "ATELIER_AGENT_PROBES_BUILD_PATH must name the built module"
#endif

asm(".section .rodata\n"
    ".global atelier_agent_probes_start\n"
    ".global atelier_agent_probes_end\n"
    ".balign 4096\n"
    "atelier_agent_probes_start:\n"
    ".incbin \"" ATELIER_AGENT_PROBES_BUILD_PATH
    "\"\n"
    "atelier_agent_probes_end:\n"
    ".balign 4096\n"
    ".previous\n");
