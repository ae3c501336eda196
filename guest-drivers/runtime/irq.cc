#include "runtime/irq.h"

namespace spicebox::guest {

IrqTable g_irq_table;

void irq_register(unsigned vector, IrqEoi eoi)
{
    if (vector >= first_irq_vector && vector < vector_count)
        g_irq_table.eoi[vector] = eoi;
}

uint64_t irq_count(unsigned vector) { return vector < vector_count ? g_irq_table.counts[vector] : 0; }

uint64_t irq_total() { return g_irq_table.total; }

}
